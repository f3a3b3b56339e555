package dev.sshtunnel.operator.status;

import java.util.List;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;

/** One forwarder pod's GET /status document. */
public record ForwarderReport(String podName, SessionStatus session, List<ForwardStatus> forwards) {
    public ForwarderReport {
        forwards = forwards == null ? List.of() : List.copyOf(forwards);
    }

    /** Session authenticated and every forward active or standby: what the pod's readiness probe answers too. */
    public boolean up() {
        return session != null && session.getState() == SessionState.Connected
                && forwards.stream().allMatch(f -> f.getState() == ForwardState.Active || f.getState() == ForwardState.Standby);
    }
}
