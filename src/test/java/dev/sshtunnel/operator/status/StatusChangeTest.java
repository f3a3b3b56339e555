package dev.sshtunnel.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.forwarder.ForwarderStatus;
import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;

class StatusChangeTest {

    private static SshTunnelStatus status(int active, ForwardState state) {
        ForwardStatus forward = new ForwardStatus();
        forward.setName("pg");
        forward.setState(state);
        forward.setActiveChannels(active);
        forward.setTotalChannels(10L + active);
        SshTunnelStatus status = new SshTunnelStatus();
        status.setActiveChannels(active);
        status.setReadyForwards("1/1");
        status.setForwards(List.of(forward));
        return status;
    }

    @Test
    void channelCountsAloneAreCountersOnly() {
        assertThat(StatusChange.between(status(1, ForwardState.Active), status(5, ForwardState.Active)))
                .isEqualTo(StatusChange.COUNTERS_ONLY);
    }

    @Test
    void aStateChangeIsATransitionEvenWithCounters() {
        assertThat(StatusChange.between(status(1, ForwardState.Active), status(0, ForwardState.Failed)))
                .isEqualTo(StatusChange.TRANSITION);
        assertThat(StatusChange.between(null, status(0, ForwardState.Active))).isEqualTo(StatusChange.TRANSITION);
    }

    @Test
    void classifyingLeavesBothStatusesAsTheyWere() {
        SshTunnelStatus before = status(1, ForwardState.Active);
        StatusChange.between(before, status(2, ForwardState.Active));
        assertThat(before.getActiveChannels()).isEqualTo(1);
        assertThat(before.getForwards().get(0).getTotalChannels()).isEqualTo(11L);
    }

    @Test
    void reportsThatDifferInCountersAloneAreTheSameWithoutThem() {
        ForwarderReport quiet = report(1, ForwardState.Active, 2);
        assertThat(ChannelCounters.cleared(quiet)).isEqualTo(ChannelCounters.cleared(report(7, ForwardState.Active, 4)));
        assertThat(ChannelCounters.cleared(quiet)).isNotEqualTo(ChannelCounters.cleared(report(1, ForwardState.Failed, 2)));
        assertThat(quiet.status().forwards().get(0).getTotalChannels()).as("the report is left as it was").isEqualTo(11L);
    }

    private static ForwarderReport report(int active, ForwardState state, int sessionChannels) {
        dev.sshtunnel.api.v1alpha1.SessionStatus session = new dev.sshtunnel.api.v1alpha1.SessionStatus();
        session.setActiveChannels(sessionChannels);
        return new ForwarderReport("pod-a", new ForwarderStatus(1L, null, session, List.of(session), status(active, state).getForwards()));
    }
}
