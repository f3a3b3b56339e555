package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.minBackoffSeconds) || !has(self.maxBackoffSeconds) || self.minBackoffSeconds <= self.maxBackoffSeconds",
        message = "minBackoffSeconds must not exceed maxBackoffSeconds", fieldPath = ".minBackoffSeconds", reason = "FieldValueInvalid")
public class ReconnectSpec {

    /** The CRD's defaults: the @Default annotations below are built from these, so both say the same. */
    public static final int DEFAULT_MIN_BACKOFF_SECONDS = 1;
    public static final int DEFAULT_MAX_BACKOFF_SECONDS = 60;

    @Default("" + DEFAULT_MIN_BACKOFF_SECONDS)
    @Min(1)
    @Max(3600)
    @JsonPropertyDescription("Delay before the first reconnect attempt; doubled (with jitter) after each failure.")
    private Integer minBackoffSeconds;

    @Default("" + DEFAULT_MAX_BACKOFF_SECONDS)
    @Min(1)
    @Max(3600)
    @JsonPropertyDescription("Upper bound of the delay between reconnect attempts.")
    private Integer maxBackoffSeconds;

    public int effectiveMinBackoffSeconds() { return minBackoffSeconds == null ? DEFAULT_MIN_BACKOFF_SECONDS : minBackoffSeconds; }
    public int effectiveMaxBackoffSeconds() { return maxBackoffSeconds == null ? DEFAULT_MAX_BACKOFF_SECONDS : maxBackoffSeconds; }
    public Integer getMinBackoffSeconds() { return minBackoffSeconds; }
    public void setMinBackoffSeconds(Integer minBackoffSeconds) { this.minBackoffSeconds = minBackoffSeconds; }
    public Integer getMaxBackoffSeconds() { return maxBackoffSeconds; }
    public void setMaxBackoffSeconds(Integer maxBackoffSeconds) { this.maxBackoffSeconds = maxBackoffSeconds; }
}
