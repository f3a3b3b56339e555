package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A key of a Secret in the tunnel's namespace; the forwarder reads it from {@code <secrets-dir>/<name>/<key>}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretKeyRef {

    static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    /**
     * Kubernetes' own rule for Secret and ConfigMap keys (IsConfigMapKey): these characters, and neither
     * {@code .}, {@code ..} nor anything starting with {@code ..}, which would name the kubelet's {@code ..data}
     * symlink or a parent directory in the pod's Secret volume. RE2 has no look-ahead: an optional leading dot,
     * then a character that is not a dot.
     */
    static final String KEY_PATTERN = "^\\.?[-_a-zA-Z0-9][-._a-zA-Z0-9]*$";

    @Required
    @Size(min = 1, max = 253)
    @Pattern(NAME_PATTERN)
    @JsonPropertyDescription("Name of the Secret, in the same namespace as the SshTunnel.")
    private String name;

    @Required
    @Size(min = 1, max = 253)
    @Pattern(KEY_PATTERN)
    @JsonPropertyDescription("Key within the Secret's data: letters, digits, '-', '_' and '.', not '.', '..' or starting with '..'.")
    private String key;

    public SecretKeyRef() {
    }

    public SecretKeyRef(String name, String key) {
        this.name = name;
        this.key = key;
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getKey() { return key; }
    public void setKey(String key) { this.key = key; }
}
