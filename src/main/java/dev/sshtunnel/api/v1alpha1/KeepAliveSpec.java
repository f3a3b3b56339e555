package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** A dead server is detected within intervalSeconds × (maxMissed + 1). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KeepAliveSpec {

    @Default("15")
    @Min(1)
    @Max(3600)
    @JsonPropertyDescription("Seconds between keepalive@openssh.com probes (ssh ServerAliveInterval).")
    private Integer intervalSeconds;

    @Default("3")
    @Min(1)
    @Max(100)
    @JsonPropertyDescription("Unanswered probes after which the session is declared dead and rebuilt (ssh ServerAliveCountMax).")
    private Integer maxMissed;

    public Integer getIntervalSeconds() { return intervalSeconds; }
    public void setIntervalSeconds(Integer intervalSeconds) { this.intervalSeconds = intervalSeconds; }
    public Integer getMaxMissed() { return maxMissed; }
    public void setMaxMissed(Integer maxMissed) { this.maxMissed = maxMissed; }
}
