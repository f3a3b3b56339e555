package dev.sshtunnel.operator.dependent;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.tenancy.ResolvedTunnel;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * The forwarder objects of a tunnel (Deployment, ConfigMap, NetworkPolicy, budget, and the forwards' Service beside the
 * pods) that owner references cannot remove: those left in a namespace the tunnel no longer
 * runs in (its bastion changed), all of them once its bastion no longer grants it (the pods must stop holding the
 * bastion's key for it), and those in a bastion's namespace when the tunnel is deleted (its finalizer).
 */
public final class PlacedForwarder {

    private static final Logger LOG = Logger.getLogger(PlacedForwarder.class);
    private static final List<Class<? extends HasMetadata>> KINDS = List.of(Deployment.class, ConfigMap.class,
            NetworkPolicy.class, PodDisruptionBudget.class, Service.class);

    private PlacedForwarder() {
    }

    /** The tunnel's Deployment where it runs now (one left elsewhere is not its forwarder any more). */
    public static Optional<Deployment> deployment(ResolvedTunnel resolved, Context<SshTunnel> context) {
        return placedHere(resolved, context, Deployment.class);
    }

    public static Optional<ConfigMap> config(ResolvedTunnel resolved, Context<SshTunnel> context) {
        return placedHere(resolved, context, ConfigMap.class);
    }

    private static <R extends HasMetadata> Optional<R> placedHere(ResolvedTunnel resolved, Context<SshTunnel> context, Class<R> kind) {
        String namespace = resolved.rendered().getMetadata().getNamespace();
        return context.getSecondaryResources(kind).stream()
                .filter(o -> namespace.equals(o.getMetadata().getNamespace()))
                .filter(o -> kind != ConfigMap.class || o.getMetadata().getName().endsWith("-tunnel"))
                .findFirst();
    }

    /** Removes what no longer serves the tunnel where it runs, or everything when its bastion refuses it. */
    public static void removeStale(ResolvedTunnel resolved, Context<SshTunnel> context) {
        String namespace = resolved.rendered().getMetadata().getNamespace();
        boolean revoked = resolved.tunnel().getSpec().getBastionRef() != null
                && resolved.refusal().map(r -> r.reason() != Reason.Connecting).orElse(false);
        remove(resolved.tunnel(), context, o -> revoked || !namespace.equals(o.getMetadata().getNamespace()),
                revoked ? resolved.refusal().get().reason().name() : "moved");
    }

    /** The finalizer's part: objects outside the tunnel's namespace (those inside go with their owner reference). */
    public static void removeElsewhere(SshTunnel tunnel, Context<SshTunnel> context) {
        remove(tunnel, context, o -> !tunnel.getMetadata().getNamespace().equals(o.getMetadata().getNamespace()), "deleted");
    }

    private static void remove(SshTunnel tunnel, Context<SshTunnel> context, Predicate<HasMetadata> which, String why) {
        for (Class<? extends HasMetadata> kind : KINDS) {
            for (HasMetadata object : context.getSecondaryResources(kind)) {
                // The tenant's own Service (or its alias of the placed one) is its dependent's to keep or remove.
                boolean placed = kind != Service.class || object.getMetadata().getLabels().containsKey(ForwarderLabels.TUNNEL_NAMESPACE);
                if (placed && which.test(object)) {
                    LOG.infof("SshTunnel %s/%s: removing %s %s/%s (%s)", tunnel.getMetadata().getNamespace(),
                            tunnel.getMetadata().getName(), object.getKind(), object.getMetadata().getNamespace(),
                            object.getMetadata().getName(), why);
                    context.getClient().resource(object).delete();
                }
            }
        }
    }
}
