package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** One SSH server to authenticate to: the target server or a jump host. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.privateKeySecretRef) || has(self.passwordSecretRef)",
        message = "a credential is required: set privateKeySecretRef or passwordSecretRef",
        fieldPath = ".privateKeySecretRef", reason = "FieldValueRequired")
@ValidationRule(value = "!has(self.certificateSecretRef) || has(self.privateKeySecretRef)",
        message = "certificateSecretRef needs privateKeySecretRef: a certificate is used together with its private key",
        fieldPath = ".certificateSecretRef", reason = "FieldValueRequired")
public class SshEndpoint {

    @Required
    @Size(min = 1, max = 253)
    @ValidationRule(value = HostName.RULE,
            message = "host must be a host name or IP address, without user@ or :port (use the user and port fields)",
            reason = "FieldValueInvalid")
    @JsonPropertyDescription("Host name or IP address of the SSH server, as the forwarder pod resolves it.")
    private String host;

    @Default("" + DEFAULT_PORT)
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("TCP port of the SSH server.")
    private Integer port;

    @Required
    @Size(min = 1, max = 128)
    @JsonPropertyDescription("User name to authenticate as.")
    private String user;

    @JsonPropertyDescription("Secret key holding the private key (OpenSSH or PEM; ed25519, ecdsa or rsa), "
            + "and optionally the key holding its passphrase.")
    private PrivateKeySecretRef privateKeySecretRef;

    @JsonPropertyDescription("Secret key holding an OpenSSH user certificate (id_xxx-cert.pub) for the private key.")
    private SecretKeyRef certificateSecretRef;

    @JsonPropertyDescription("Secret key holding a password, for password or keyboard-interactive authentication.")
    private SecretKeyRef passwordSecretRef;

    @JsonPropertyDescription("How the server's host key is verified. Strict by default: without a known key there is no connection.")
    private HostKeySpec hostKey;

    public String getHost() { return host; }
    public void setHost(String host) { this.host = host; }
    public Integer getPort() { return port; }
    public void setPort(Integer port) { this.port = port; }
    public String getUser() { return user; }
    public void setUser(String user) { this.user = user; }
    public PrivateKeySecretRef getPrivateKeySecretRef() { return privateKeySecretRef; }
    public void setPrivateKeySecretRef(PrivateKeySecretRef privateKeySecretRef) { this.privateKeySecretRef = privateKeySecretRef; }
    public SecretKeyRef getCertificateSecretRef() { return certificateSecretRef; }
    public void setCertificateSecretRef(SecretKeyRef certificateSecretRef) { this.certificateSecretRef = certificateSecretRef; }
    public SecretKeyRef getPasswordSecretRef() { return passwordSecretRef; }
    public void setPasswordSecretRef(SecretKeyRef passwordSecretRef) { this.passwordSecretRef = passwordSecretRef; }
    public HostKeySpec getHostKey() { return hostKey; }
    public void setHostKey(HostKeySpec hostKey) { this.hostKey = hostKey; }

    /** The CRD's default for port (its @Default above says the same to the API server). */
    public static final int DEFAULT_PORT = 22;

    /** port with the schema default applied. */
    public int effectivePort() {
        return port == null ? DEFAULT_PORT : port;
    }
}
