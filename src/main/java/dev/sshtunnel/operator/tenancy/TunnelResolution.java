package dev.sshtunnel.operator.tenancy;

import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.BastionRef;
import dev.sshtunnel.api.v1alpha1.ClusterSshBastion;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshBastion;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.OperatorConfig;
import dev.sshtunnel.operator.status.SpecHeldBack;
import io.fabric8.kubernetes.api.model.Namespace;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * Resolves a tunnel's spec.bastionRef once per reconcile, from the informers' caches of bastions and namespaces, and
 * keeps the result in the reconcile's context: the gate, every dependent and the status read the same answer.
 */
@Singleton
public class TunnelResolution {

    private final String operatorNamespace;
    private final WatchedNamespaces watched;

    @Inject
    public TunnelResolution(OperatorConfig config) {
        this.operatorNamespace = config.operatorNamespace();
        this.watched = WatchedNamespaces.of(config.watchNamespaces());
    }

    public ResolvedTunnel of(SshTunnel tunnel, Context<SshTunnel> context) {
        var shared = context.managedWorkflowAndDependentResourceContext();
        return shared.get(ResolvedTunnel.class, ResolvedTunnel.class).orElseGet(() -> {
            ResolvedTunnel resolved = resolve(tunnel,
                    context.getSecondaryResource(ClusterSshBastion.class).map(b -> Bastion.of(b, operatorNamespace)),
                    context.getSecondaryResource(SshBastion.class).map(Bastion::of),
                    context.getSecondaryResource(Namespace.class).map(n -> n.getMetadata().getLabels()).orElse(Map.of()),
                    watched);
            shared.put(ResolvedTunnel.class, resolved);
            return resolved;
        });
    }

    /**
     * I/O-free: the tunnel with what the caches hold of the bastion kinds it may name and of its namespace's labels, and
     * the namespaces the operator may act in.
     */
    public static ResolvedTunnel resolve(SshTunnel tunnel, Optional<Bastion> cluster, Optional<Bastion> namespaced,
            Map<String, String> namespaceLabels, WatchedNamespaces watched) {
        BastionRef ref = tunnel.getSpec().getBastionRef();
        if (ref == null) {
            return ResolvedTunnel.inline(tunnel);
        }
        Optional<Bastion> bastion = switch (ref.getKind()) {
            case ClusterSshBastion -> cluster;
            case SshBastion -> namespaced;
        };
        if (bastion.isEmpty() || bastion.get().spec() == null || bastion.get().spec().getSsh() == null) {
            return ResolvedTunnel.withoutBastion(tunnel, new SpecHeldBack(Reason.BastionNotFound, ref.getKind() + " " + ref.getName()
                    + " does not exist" + (ref.getKind() == BastionKind.SshBastion
                            ? " in namespace " + tunnel.getMetadata().getNamespace() : "")
                    + "; check spec.bastionRef"));
        }
        if (!watched.includes(bastion.get().credentialsNamespace())) {
            // Its pods would go where the operator has no rights (and its Secrets cannot be read): nothing is attempted.
            return ResolvedTunnel.onBastion(tunnel, bastion.get(), Optional.of(new SpecHeldBack(
                    Reason.CredentialsNamespaceNotWatched, bastion.get().describe() + " cannot serve tunnels: this operator"
                            + " does not watch its credentials namespace; its owner sees why in its status")));
        }
        Optional<SpecHeldBack> refusal = BastionGrant.refusal(bastion.get(), tunnel, namespaceLabels)
                .or(() -> PortLedger.problem(bastion.get(), BastionGrant.requests(tunnel)));
        return ResolvedTunnel.onBastion(tunnel, bastion.get(), refusal);
    }
}
