package dev.sshtunnel.api.forwarder;

import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;

/**
 * The body of a forwarder pod's GET {@value #PATH} on port {@value #PORT}: the one contract between the
 * forwarder, which writes it, and the operator, which reads it into SshTunnel.status. The field names are
 * the wire format. {@code generation}: the SshTunnel generation whose document the pod runs (null for a
 * document without one); {@code documentError}: why the pod did not take the document on its disk, null when
 * it did; {@code sessions}: each SSH session when the pod keeps more than one, else null. Null fields are left out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({ "generation", "documentError", "session", "sessions", "forwards" })
public record ForwarderStatus(Long generation, String documentError, SessionStatus session, List<SessionStatus> sessions,
        List<ForwardStatus> forwards) {

    /** The forwarder's default --http-port: the pod spec leaves it to the default, the operator reads it there. */
    public static final int PORT = 8081;
    public static final String PATH = "/status";

    /** A null entry in a list (a JSON null) is no status, and is dropped; no forwards is an empty list. */
    public ForwarderStatus {
        sessions = sessions == null ? null : sessions.stream().filter(Objects::nonNull).toList();
        forwards = forwards == null ? List.of() : forwards.stream().filter(Objects::nonNull).toList();
    }

    /** The SSH session is authenticated. */
    public boolean connected() {
        return session != null && session.getState() == SessionState.Connected;
    }

    /** Every forward is active or standing by. */
    public boolean forwardsHealthy() {
        return forwards.stream().allMatch(f -> f.getState() != null && f.getState().healthy());
    }

    /** Session authenticated and every forward healthy: the pod's readiness, and what the operator polls slower for. */
    public boolean up() {
        return connected() && forwardsHealthy();
    }
}
