package dev.sshtunnel.api.v1alpha1;

import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Size;

/** The state of a forward's probe, as the forwarder reports it at GET /status and the operator copies to status. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProbeStatus {

    @JsonPropertyDescription("Unknown (no verdict yet), Passing or Failing.")
    // A newer forwarder may know a state this operator does not: it reads as absent, not as a failed report.
    @JsonFormat(with = JsonFormat.Feature.READ_UNKNOWN_ENUM_VALUES_AS_NULL)
    private ProbeState state;

    @JsonPropertyDescription("Probes failed in a row.")
    private Integer consecutiveFailures;

    @JsonPropertyDescription("When a probe last succeeded (RFC 3339).")
    @Size(max = 64)
    private String lastSuccessTime;

    @JsonPropertyDescription("How long the last successful probe took, in milliseconds.")
    private Long latencyMs;

    @JsonPropertyDescription("Why the last probe failed (refused, timed out, the server's refusal text); empty after a success.")
    @Size(max = SessionStatus.MESSAGE)
    private String message;

    public ProbeState getState() { return state; }
    public void setState(ProbeState state) { this.state = state; }
    public Integer getConsecutiveFailures() { return consecutiveFailures; }
    public void setConsecutiveFailures(Integer consecutiveFailures) { this.consecutiveFailures = consecutiveFailures; }
    public String getLastSuccessTime() { return lastSuccessTime; }
    public void setLastSuccessTime(String lastSuccessTime) { this.lastSuccessTime = lastSuccessTime; }
    public Long getLatencyMs() { return latencyMs; }
    public void setLatencyMs(Long latencyMs) { this.latencyMs = latencyMs; }
    public String getMessage() { return message; }
    public void setMessage(String message) { this.message = message; }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof ProbeStatus that)) {
            return false;
        }
        return state == that.state && Objects.equals(consecutiveFailures, that.consecutiveFailures)
                && Objects.equals(lastSuccessTime, that.lastSuccessTime) && Objects.equals(latencyMs, that.latencyMs)
                && Objects.equals(message, that.message);
    }

    @Override
    public int hashCode() {
        return Objects.hash(state, consecutiveFailures, lastSuccessTime, latencyMs, message);
    }
}
