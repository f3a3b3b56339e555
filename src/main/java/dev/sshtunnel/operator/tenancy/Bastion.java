package dev.sshtunnel.operator.tenancy;

import java.util.List;
import java.util.Optional;

import dev.sshtunnel.api.v1alpha1.AllowedNamespaces;
import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.ClusterSshBastion;
import dev.sshtunnel.api.v1alpha1.PortAllocation;
import dev.sshtunnel.api.v1alpha1.SshBastion;
import dev.sshtunnel.api.v1alpha1.SshBastionSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Either bastion kind, as the rules see it: its spec, where its Secrets and its tunnels' pods live, who may use it,
 * and its ledger. I/O-free.
 */
public record Bastion(BastionKind kind, HasMetadata object, SshBastionSpec spec, String credentialsNamespace,
        Optional<AllowedNamespaces> allowedNamespaces, List<PortAllocation> allocations) {

    public static Bastion of(ClusterSshBastion bastion, String operatorNamespace) {
        var spec = bastion.getSpec();
        String namespace = spec.getCredentialsNamespace() == null ? operatorNamespace : spec.getCredentialsNamespace();
        return new Bastion(BastionKind.ClusterSshBastion, bastion, spec, namespace, Optional.ofNullable(spec.getAllowedNamespaces()),
                bastion.getStatus() == null ? List.of() : bastion.getStatus().getAllocations());
    }

    public static Bastion of(SshBastion bastion) {
        return new Bastion(BastionKind.SshBastion, bastion, bastion.getSpec(), bastion.getMetadata().getNamespace(), Optional.empty(),
                bastion.getStatus() == null ? List.of() : bastion.getStatus().getAllocations());
    }

    public String name() {
        return object.getMetadata().getName();
    }

    /** How messages name it, e.g. ClusterSshBastion edge. */
    public String describe() {
        return kind + " " + name();
    }
}
