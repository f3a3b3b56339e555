package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.host) != has(self.service)", message = "exactly one of host and service must be set",
        reason = "FieldValueInvalid")
public class TargetSpec {

    @Size(min = 1, max = 253)
    @ValidationRule(value = HostName.RULE,
            message = "host must be a host name or IP address, without user@, :port, quotes or spaces", reason = "FieldValueInvalid")
    @JsonPropertyDescription("Host name or IP address of the target.")
    private String host;

    @Size(min = 1, max = 63)
    @Pattern("^[a-z]([-a-z0-9]*[a-z0-9])?$")
    @JsonPropertyDescription("Remote only, instead of host: a Service of the tunnel's namespace, reached by its cluster DNS name "
            + "(<service>.<namespace>.svc), also when the tunnel's pods run in a bastion's namespace.")
    private String service;

    @Required
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("TCP port of the target.")
    private Integer port;

    public TargetSpec() {
    }

    public TargetSpec(String host, Integer port) {
        this.host = host;
        this.port = port;
    }

    public String getService() { return service; }
    public void setService(String service) { this.service = service; }
    public String getHost() { return host; }
    public void setHost(String host) { this.host = host; }
    public Integer getPort() { return port; }
    public void setPort(Integer port) { this.port = port; }
}
