package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** The user name and password an outbound proxy wants, two keys of one Secret. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProxyCredentialsSecretRef {

    @Required
    @Size(min = 1, max = 253)
    @Pattern(SecretKeyRef.NAME_PATTERN)
    @JsonPropertyDescription("Name of the Secret, in the namespace of the tunnel's other Secrets (a ClusterSshBastion's: its "
            + "credentialsNamespace).")
    private String name;

    @Required
    @Size(min = 1, max = 253)
    @Pattern(SecretKeyRef.KEY_PATTERN)
    @JsonPropertyDescription("Key within the Secret holding the user name sent to the proxy.")
    private String usernameKey;

    @Required
    @Size(min = 1, max = 253)
    @Pattern(SecretKeyRef.KEY_PATTERN)
    @JsonPropertyDescription("Key within the Secret holding the password sent to the proxy.")
    private String passwordKey;

    public ProxyCredentialsSecretRef() {
    }

    public ProxyCredentialsSecretRef(String name, String usernameKey, String passwordKey) {
        this.name = name;
        this.usernameKey = usernameKey;
        this.passwordKey = passwordKey;
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getUsernameKey() { return usernameKey; }
    public void setUsernameKey(String usernameKey) { this.usernameKey = usernameKey; }
    public String getPasswordKey() { return passwordKey; }
    public void setPasswordKey(String passwordKey) { this.passwordKey = passwordKey; }
}
