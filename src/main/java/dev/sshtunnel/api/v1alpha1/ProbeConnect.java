package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Where a Dynamic forward's probe connects through the server. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProbeConnect {

    @Required
    @Size(min = 1, max = 253)
    @ValidationRule(value = HostName.RULE, message = "host must be a host name or IP address", reason = "FieldValueInvalid")
    @JsonPropertyDescription("Host name (resolved by the server) or IP address.")
    private String host;

    @Required
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("TCP port.")
    private Integer port;

    public String getHost() { return host; }
    public void setHost(String host) { this.host = host; }
    public Integer getPort() { return port; }
    public void setPort(Integer port) { this.port = port; }
}
