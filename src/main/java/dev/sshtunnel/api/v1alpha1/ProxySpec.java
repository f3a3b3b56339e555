package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** An outbound proxy the forwarder's first TCP connection goes through (spec.ssh.proxy). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProxySpec {

    @Required
    @JsonPropertyDescription("HTTPConnect: an HTTP proxy's CONNECT method (Basic authentication with credentials). "
            + "SOCKS5: a SOCKS5 proxy (username/password authentication, RFC 1929, with credentials).")
    private ProxyType type;

    @Required
    @Size(min = 1, max = 253)
    @ValidationRule(value = HostName.RULE,
            message = "proxy host must be a host name or IP address, without a scheme, user@ or :port (use the port field)",
            reason = "FieldValueInvalid")
    @JsonPropertyDescription("Host name or IP address of the proxy, as the forwarder pod resolves it. The SSH host behind it "
            + "is sent to the proxy as a name, for the proxy to resolve.")
    private String host;

    @Required
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("TCP port of the proxy.")
    private Integer port;

    @JsonPropertyDescription("Secret keys with the user name and password the proxy asks for. Absent: no proxy authentication.")
    private ProxyCredentialsSecretRef credentialsSecretRef;

    public ProxyType getType() { return type; }
    public void setType(ProxyType type) { this.type = type; }
    public String getHost() { return host; }
    public void setHost(String host) { this.host = host; }
    public Integer getPort() { return port; }
    public void setPort(Integer port) { this.port = port; }
    public ProxyCredentialsSecretRef getCredentialsSecretRef() { return credentialsSecretRef; }
    public void setCredentialsSecretRef(ProxyCredentialsSecretRef credentialsSecretRef) { this.credentialsSecretRef = credentialsSecretRef; }
}
