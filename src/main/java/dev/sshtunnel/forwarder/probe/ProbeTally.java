package dev.sshtunnel.forwarder.probe;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import dev.sshtunnel.api.v1alpha1.ProbeState;
import dev.sshtunnel.api.v1alpha1.ProbeStatus;
import dev.sshtunnel.api.v1alpha1.SessionStatus;
import dev.sshtunnel.untrusted.UntrustedText;

/**
 * The verdict of one forward's probes, as a kubelet keeps a probe's: Unknown until the first verdict; Failing after
 * failureThreshold failures in a row, Passing after successThreshold successes in a row (from either other
 * state, as a kubelet counts a run of equal results); a run too short to decide leaves the state as it was. A probe not sent (no session) changes no count and no
 * state, only the message: the session's own state says what is wrong.
 */
public final class ProbeTally {

    private final int failureThreshold;
    private final int successThreshold;
    private ProbeState state = ProbeState.Unknown;
    private int failures;
    private int successes;
    private Instant lastSuccess;
    private Long latencyMs;
    private String message = "";

    public ProbeTally(int failureThreshold, int successThreshold) {
        this.failureThreshold = failureThreshold;
        this.successThreshold = successThreshold;
    }

    public synchronized void succeeded(Duration latency, Instant now) {
        failures = 0;
        successes++;
        lastSuccess = now;
        latencyMs = latency.toMillis();
        message = "";
        if (successes >= successThreshold) {
            state = ProbeState.Passing;
        }
    }

    public synchronized void failed(String why) {
        successes = 0;
        failures++;
        message = UntrustedText.clean(why, SessionStatus.MESSAGE);
        if (failures >= failureThreshold) {
            state = ProbeState.Failing;
        }
    }

    public synchronized void notSent(String why) {
        message = UntrustedText.clean(why, SessionStatus.MESSAGE);
    }

    public synchronized ProbeState state() {
        return state;
    }

    public synchronized ProbeStatus snapshot() {
        ProbeStatus status = new ProbeStatus();
        status.setState(state);
        status.setConsecutiveFailures(failures);
        status.setLastSuccessTime(lastSuccess == null ? null : lastSuccess.truncatedTo(ChronoUnit.SECONDS).toString());
        status.setLatencyMs(latencyMs);
        status.setMessage(message);
        return status;
    }
}
