package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** A dead server is detected within intervalSeconds × (maxMissed + 1). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KeepAliveSpec {

    /** The CRD's defaults: the @Default annotations below are built from these, so both say the same. */
    public static final int DEFAULT_INTERVAL_SECONDS = 15;
    public static final int DEFAULT_MAX_MISSED = 3;

    @Default("" + DEFAULT_INTERVAL_SECONDS)
    @Min(1)
    @Max(3600)
    @JsonPropertyDescription("Seconds between keepalive@openssh.com probes (ssh ServerAliveInterval).")
    private Integer intervalSeconds;

    @Default("" + DEFAULT_MAX_MISSED)
    @Min(1)
    @Max(100)
    @JsonPropertyDescription("Unanswered probes after which the session is declared dead and rebuilt (ssh ServerAliveCountMax).")
    private Integer maxMissed;

    public int effectiveIntervalSeconds() { return intervalSeconds == null ? DEFAULT_INTERVAL_SECONDS : intervalSeconds; }
    public int effectiveMaxMissed() { return maxMissed == null ? DEFAULT_MAX_MISSED : maxMissed; }
    public Integer getIntervalSeconds() { return intervalSeconds; }
    public void setIntervalSeconds(Integer intervalSeconds) { this.intervalSeconds = intervalSeconds; }
    public Integer getMaxMissed() { return maxMissed; }
    public void setMaxMissed(Integer maxMissed) { this.maxMissed = maxMissed; }
}
