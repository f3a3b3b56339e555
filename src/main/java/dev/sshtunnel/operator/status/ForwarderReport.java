package dev.sshtunnel.operator.status;

import java.util.List;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;

/**
 * One forwarder pod's GET /status document. {@code generation}: the SshTunnel generation whose
 * document the pod runs (it follows its ConfigMap volume, so this lags the spec by the kubelet's
 * volume refresh); {@code documentError}: why the pod did not take the document on its disk, if it did not;
 * {@code sessions}: each SSH session of the pod when it keeps more than one, else null.
 */
public record ForwarderReport(String podName, Long generation, String documentError, SessionStatus session,
        List<SessionStatus> sessions, List<ForwardStatus> forwards) {
    public ForwarderReport {
        sessions = sessions == null ? null : List.copyOf(sessions);
        forwards = forwards == null ? List.of() : List.copyOf(forwards);
    }

    public ForwarderReport(String podName, Long generation, String documentError, SessionStatus session,
            List<ForwardStatus> forwards) {
        this(podName, generation, documentError, session, null, forwards);
    }

    public ForwarderReport(String podName, SessionStatus session, List<ForwardStatus> forwards) {
        this(podName, null, null, session, forwards);
    }

    public boolean runs(long tunnelGeneration) {
        return generation != null && generation == tunnelGeneration;
    }

    /** Session authenticated and every forward active or standby: what the pod's readiness probe answers too. */
    public boolean up() {
        return session != null && session.getState() == SessionState.Connected
                && forwards.stream().allMatch(f -> f.getState() == ForwardState.Active || f.getState() == ForwardState.Standby);
    }
}
