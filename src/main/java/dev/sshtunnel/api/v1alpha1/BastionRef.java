package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Which bastion a tunnel uses instead of its own spec.ssh. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BastionRef {

    @Required
    @JsonPropertyDescription("ClusterSshBastion (granted to namespaces by the platform team) or SshBastion (of the tunnel's own namespace).")
    private BastionKind kind;

    @Required
    @Size(min = 1, max = 253)
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("Name of the bastion.")
    private String name;

    public BastionRef() {
    }

    public BastionRef(BastionKind kind, String name) {
        this.kind = kind;
        this.name = name;
    }

    public BastionKind getKind() { return kind; }
    public void setKind(BastionKind kind) { this.kind = kind; }
    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
}
