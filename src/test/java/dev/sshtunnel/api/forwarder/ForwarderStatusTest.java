package dev.sshtunnel.api.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;

/** The /status body is a wire format between two releases (forwarder image and operator): its JSON is pinned here. */
class ForwarderStatusTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void theBodyKeepsItsFieldNamesAndLeavesNullsOut() throws Exception {
        assertThat(json.writeValueAsString(new ForwarderStatus(null, null, session(SessionState.Connected), null, List.of())))
                .isEqualTo("{\"session\":{\"state\":\"Connected\"},\"forwards\":[]}");
        assertThat(json.writeValueAsString(new ForwarderStatus(3L, "bad", session(SessionState.Connected),
                List.of(session(SessionState.Connected)), List.of(forward(ForwardState.Standby)))))
                .isEqualTo("{\"generation\":3,\"documentError\":\"bad\",\"session\":{\"state\":\"Connected\"},"
                        + "\"sessions\":[{\"state\":\"Connected\"}],\"forwards\":[{\"name\":\"pg\",\"state\":\"Standby\"}]}");
    }

    @Test
    void aNullEntryIsNoStatusAndMissingForwardsAreNone() throws Exception {
        ForwarderStatus read = json.readValue("{\"sessions\":[null,{\"state\":\"Failed\"}],\"forwards\":[null]}", ForwarderStatus.class);
        assertThat(read.sessions()).extracting(SessionStatus::getState).containsExactly(SessionState.Failed);
        assertThat(read.forwards()).isEmpty();
        assertThat(new ForwarderStatus(null, null, null, Arrays.asList((SessionStatus) null), null).forwards()).isEmpty();
    }

    @Test
    void upIsAnAuthenticatedSessionWithEveryForwardActiveOrStandingBy() {
        SessionStatus connected = session(SessionState.Connected);
        assertThat(new ForwarderStatus(null, null, connected, null, List.of(forward(ForwardState.Active), forward(ForwardState.Standby))).up())
                .isTrue();
        assertThat(new ForwarderStatus(null, null, connected, null, List.of(forward(ForwardState.Pending))).up()).isFalse();
        assertThat(new ForwarderStatus(null, null, session(SessionState.Failed), null, List.of()).up()).isFalse();
        assertThat(new ForwarderStatus(null, null, null, null, List.of()).up()).isFalse();
    }

    private static SessionStatus session(SessionState state) {
        SessionStatus session = new SessionStatus();
        session.setState(state);
        return session;
    }

    private static ForwardStatus forward(ForwardState state) {
        ForwardStatus forward = new ForwardStatus();
        forward.setName("pg");
        forward.setState(state);
        return forward;
    }
}
