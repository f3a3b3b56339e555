package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A ClusterSshBastion that serves {@code type: LoadBalancer} Services of class {@value #CLASS}: each such Service gets a
 * Remote forward per port on the bastion's server, and the server's address as its ingress.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LoadBalancerSpec {

    /** The spec.loadBalancerClass the operator serves; every other Service is left as it is. */
    public static final String CLASS = "sshtunnel.dev/ssh";
    /** Names the ClusterSshBastion of a Service; absent, the bastion marked {@code default: true}. */
    public static final String BASTION_ANNOTATION = "sshtunnel.dev/bastion";
    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";

    @Required
    @Size(min = 1, max = 253)
    @ValidationRule(value = HostName.RULE, message = "externalAddress must be an IP address or a host name", reason = "FieldValueInvalid")
    @JsonPropertyDescription("The address clients use: the server's public IP (written to the Service's "
            + "status.loadBalancer.ingress[].ip) or host name (ingress[].hostname).")
    private String externalAddress;

    @Size(min = 1, max = 253)
    @ValidationRule(value = HostName.RULE, message = "bindAddress must be a host name or IP address", reason = "FieldValueInvalid")
    @JsonPropertyDescription("Address the server binds each Service port on (default 0.0.0.0; needs GatewayPorts "
            + "clientspecified in its sshd_config). Must be among spec.remote.bindAddresses, as the ports among spec.remote.ports.")
    private String bindAddress;

    @JsonProperty("default")
    @JsonPropertyDescription("Serves the Services of the class that name no bastion in their sshtunnel.dev/bastion annotation. "
            + "With more than one default, such Services are refused until exactly one is.")
    private Boolean defaultBastion;

    public String getExternalAddress() { return externalAddress; }
    public void setExternalAddress(String externalAddress) { this.externalAddress = externalAddress; }
    public String getBindAddress() { return bindAddress; }
    public void setBindAddress(String bindAddress) { this.bindAddress = bindAddress; }
    public Boolean getDefaultBastion() { return defaultBastion; }
    public void setDefaultBastion(Boolean defaultBastion) { this.defaultBastion = defaultBastion; }

    @JsonIgnore
    public String effectiveBindAddress() {
        return bindAddress == null ? DEFAULT_BIND_ADDRESS : bindAddress;
    }

    @JsonIgnore
    public boolean isDefault() {
        return Boolean.TRUE.equals(defaultBastion);
    }

    /** Whether clients reach it by IP (ingress[].ip) rather than by name (ingress[].hostname). */
    @JsonIgnore
    public boolean externalAddressIsIp() {
        return externalAddress != null && (externalAddress.contains(":") || externalAddress.matches("^[0-9.]+$"));
    }
}
