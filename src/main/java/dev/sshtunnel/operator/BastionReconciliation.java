package dev.sshtunnel.operator;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import dev.sshtunnel.api.v1alpha1.PortAllocation;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshBastionStatus;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.gate.SpecConsistency;
import dev.sshtunnel.operator.observe.SecretKeyReads;
import dev.sshtunnel.operator.observe.SpecSecretRefs;
import dev.sshtunnel.operator.status.BastionStatusAggregator;
import dev.sshtunnel.operator.status.ConditionTypes;
import dev.sshtunnel.operator.status.SpecHeldBack;
import dev.sshtunnel.operator.tenancy.Bastion;
import dev.sshtunnel.operator.tenancy.BastionGrant;
import dev.sshtunnel.operator.tenancy.PortLedger;
import dev.sshtunnel.operator.tenancy.WatchedNamespaces;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/**
 * What both bastion reconcilers do: check the Secrets the bastion names, and keep its port ledger — the one writer of it,
 * so tunnels never race for a bind. The tunnels using it and their namespaces come from the reconciler's informers.
 */
final class BastionReconciliation {

    private BastionReconciliation() {
    }

    @SuppressWarnings("unchecked")
    static <B extends CustomResource<?, SshBastionStatus>> UpdateControl<B> reconcile(B object, Bastion bastion,
            WatchedNamespaces watched, Context<B> context, BastionStatusAggregator aggregator) {
        List<SshTunnel> tunnels = context.getSecondaryResources(SshTunnel.class).stream()
                .filter(t -> t.getMetadata().getDeletionTimestamp() == null)
                .sorted(Comparator.comparing((SshTunnel t) -> t.getMetadata().getCreationTimestamp(), Comparator.nullsLast(Comparator.naturalOrder()))
                        .thenComparing(t -> t.getMetadata().getNamespace())
                        .thenComparing(t -> t.getMetadata().getName()))
                .toList();
        // Looked up in the informer's cache by name: a bastion created after a namespace still sees its labels.
        List<InformerEventSource<Namespace, B>> namespaces = context.eventSourceRetriever().getEventSourcesFor(Namespace.class)
                .stream().map(source -> (InformerEventSource<Namespace, B>) source).toList();
        Function<String, Map<String, String>> labelsOf = namespace -> namespaces.stream()
                .flatMap(source -> source.get(new ResourceID(namespace)).stream()).findFirst()
                .map(n -> n.getMetadata().getLabels() == null ? Map.<String, String>of() : n.getMetadata().getLabels())
                .orElse(Map.of());
        List<PortAllocation> requests = tunnels.stream()
                .filter(t -> BastionGrant.refusal(bastion, t, labelsOf.apply(t.getMetadata().getNamespace())).isEmpty())
                .flatMap(t -> BastionGrant.requests(t).stream())
                .toList();
        List<PortAllocation> ledger = PortLedger.next(bastion.allocations(), requests);
        Optional<SpecHeldBack> problem = SpecConsistency.sshProblem(bastion.spec().getSsh())
                .map(message -> new SpecHeldBack(Reason.InvalidSpec, message))
                .or(() -> credentialsNamespaceProblem(bastion, watched))
                .or(() -> secretsProblem(bastion, context));
        SshBastionStatus computed = aggregator.aggregate(object, object.getStatus(), problem, ledger,
                tunnels.size());
        SshBastionStatus status = watched.includes(bastion.credentialsNamespace()) ? computed
                : keepingReadyOfThisGeneration(computed, object.getStatus());
        if (!Objects.equals(status, object.getStatus())) {
            PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(object, context, fresh -> {
                fresh.setStatus(status);
                return fresh;
            });
        }
        return UpdateControl.noUpdate();
    }

    /**
     * The bastion's Secrets and its tunnels' pods live in its credentials namespace: outside the watched namespaces the
     * operator's Roles allow neither, so it is not Ready (and its Secrets are not asked for, which RBAC would refuse).
     */
    static Optional<SpecHeldBack> credentialsNamespaceProblem(Bastion bastion, WatchedNamespaces watched) {
        String namespace = bastion.credentialsNamespace();
        if (watched.includes(namespace)) {
            return Optional.empty();
        }
        return Optional.of(new SpecHeldBack(Reason.CredentialsNamespaceNotWatched, "credentials namespace " + namespace
                + " is not watched by the operator (" + watched + "): it can neither read the Secrets there nor run the"
                + " tunnels' pods there; add " + namespace + " to the chart's watchNamespaces (SSHTUNNEL_WATCH_NAMESPACES)"));
    }

    /**
     * Releases sharding the cluster (docs/operations.md) all write a ClusterSshBastion's status and agree on its ledger
     * and count, as each reads every tunnel. Its Ready condition, though, needs the Secrets in the credentials namespace,
     * which only a release watching that namespace can read; one that cannot would say CredentialsNamespaceNotWatched
     * where the other says Accepted, and they would overwrite each other for ever. So a release that cannot read them
     * keeps a Ready condition already written about this generation (by a release that can, or by another one that
     * cannot) and adds its own only when there is none: a release watching the namespace always has the last word.
     */
    static SshBastionStatus keepingReadyOfThisGeneration(SshBastionStatus computed, SshBastionStatus previous) {
        Optional<Condition> written = previous == null || previous.getConditions() == null ? Optional.empty()
                : previous.getConditions().stream()
                        .filter(c -> ConditionTypes.READY.equals(c.getType())
                                && Objects.equals(c.getObservedGeneration(), computed.getObservedGeneration()))
                        .findFirst();
        if (written.isPresent()) {
            computed.setConditions(computed.getConditions().stream()
                    .map(c -> ConditionTypes.READY.equals(c.getType()) ? written.get() : c).toList());
        }
        return computed;
    }

    private static Optional<SpecHeldBack> secretsProblem(Bastion bastion, Context<?> context) {
        SpecSecretRefs references = SpecSecretRefs.of(bastion.spec().getSsh(), "spec.ssh");
        Set<String> names = references.secretNames();
        Map<String, SecretKeyReads.KeyNames> found = SecretKeyReads.read(names,
                name -> context.getClient().secrets().inNamespace(bastion.credentialsNamespace()).withName(name).get());
        return references.firstMissing(bastion.credentialsNamespace(), found)
                .map(message -> new SpecHeldBack(Reason.SecretNotFound, message));
    }
}
