package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A probe of one forward's path, riding its SSH session: Local opens a direct-tcpip channel to the target (server →
 * target), Remote connects from the pod to its target (pod → target), Dynamic opens a channel to {@code connect}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.timeoutSeconds) || self.timeoutSeconds <= (has(self.intervalSeconds) ? self.intervalSeconds : 30)",
        message = "timeoutSeconds must not exceed intervalSeconds: at most one probe of a forward is in flight",
        fieldPath = ".timeoutSeconds", reason = "FieldValueInvalid")
public class ProbeSpec {

    public static final int DEFAULT_INTERVAL_SECONDS = 30;
    public static final int DEFAULT_TIMEOUT_SECONDS = 5;
    public static final int DEFAULT_FAILURE_THRESHOLD = 3;
    public static final int DEFAULT_SUCCESS_THRESHOLD = 1;

    @Min(5)
    @Max(3600)
    @JsonPropertyDescription("Seconds between probes (default 30, at least 5).")
    private Integer intervalSeconds;

    @Min(1)
    @Max(60)
    @JsonPropertyDescription("Seconds a probe may take before it counts as failed (default 5, at most intervalSeconds).")
    private Integer timeoutSeconds;

    @Min(1)
    @Max(20)
    @JsonPropertyDescription("Consecutive failures before the forward's probe is Failing (default 3).")
    private Integer failureThreshold;

    @Min(1)
    @Max(20)
    @JsonPropertyDescription("Consecutive successes before a Failing probe is Passing again (default 1).")
    private Integer successThreshold;

    @JsonPropertyDescription("true: while the probe is Failing the forwarder pod is not ready, so a Local or Dynamic "
            + "forward's Service stops sending it clients and the tunnel's Ready turns False. Default false: only the "
            + "ForwardsReachable condition says so. Liveness never depends on a probe.")
    private Boolean affectsReadiness;

    @JsonPropertyDescription("Dynamic only, and required there: the destination the probe opens through the server "
            + "(Local and Remote forwards probe their own target).")
    private ProbeConnect connect;

    public Integer getIntervalSeconds() { return intervalSeconds; }
    public void setIntervalSeconds(Integer intervalSeconds) { this.intervalSeconds = intervalSeconds; }
    public Integer getTimeoutSeconds() { return timeoutSeconds; }
    public void setTimeoutSeconds(Integer timeoutSeconds) { this.timeoutSeconds = timeoutSeconds; }
    public Integer getFailureThreshold() { return failureThreshold; }
    public void setFailureThreshold(Integer failureThreshold) { this.failureThreshold = failureThreshold; }
    public Integer getSuccessThreshold() { return successThreshold; }
    public void setSuccessThreshold(Integer successThreshold) { this.successThreshold = successThreshold; }
    public Boolean getAffectsReadiness() { return affectsReadiness; }
    public void setAffectsReadiness(Boolean affectsReadiness) { this.affectsReadiness = affectsReadiness; }
    public ProbeConnect getConnect() { return connect; }
    public void setConnect(ProbeConnect connect) { this.connect = connect; }

    @JsonIgnore
    public int effectiveIntervalSeconds() {
        return intervalSeconds == null ? DEFAULT_INTERVAL_SECONDS : intervalSeconds;
    }

    @JsonIgnore
    public int effectiveTimeoutSeconds() {
        return Math.min(timeoutSeconds == null ? DEFAULT_TIMEOUT_SECONDS : timeoutSeconds, effectiveIntervalSeconds());
    }

    @JsonIgnore
    public int effectiveFailureThreshold() {
        return failureThreshold == null ? DEFAULT_FAILURE_THRESHOLD : failureThreshold;
    }

    @JsonIgnore
    public int effectiveSuccessThreshold() {
        return successThreshold == null ? DEFAULT_SUCCESS_THRESHOLD : successThreshold;
    }

    @JsonIgnore
    public boolean affectsReadinessOrDefault() {
        return Boolean.TRUE.equals(affectsReadiness);
    }
}
