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

    @Default("1")
    @Min(1)
    @Max(3600)
    @JsonPropertyDescription("Delay before the first reconnect attempt; doubled (with jitter) after each failure.")
    private Integer minBackoffSeconds;

    @Default("60")
    @Min(1)
    @Max(3600)
    @JsonPropertyDescription("Upper bound of the delay between reconnect attempts.")
    private Integer maxBackoffSeconds;

    public Integer getMinBackoffSeconds() { return minBackoffSeconds; }
    public void setMinBackoffSeconds(Integer minBackoffSeconds) { this.minBackoffSeconds = minBackoffSeconds; }
    public Integer getMaxBackoffSeconds() { return maxBackoffSeconds; }
    public void setMaxBackoffSeconds(Integer maxBackoffSeconds) { this.maxBackoffSeconds = maxBackoffSeconds; }
}
