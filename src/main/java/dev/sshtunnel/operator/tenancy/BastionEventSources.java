package dev.sshtunnel.operator.tenancy;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.BastionRef;
import dev.sshtunnel.api.v1alpha1.ClusterSshBastion;
import dev.sshtunnel.api.v1alpha1.SshBastion;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.SshTunnelReconciler;
import dev.sshtunnel.operator.observe.SpecSecretRefs;
import io.fabric8.kubernetes.api.model.Namespace;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/**
 * What a tunnel on a bastion follows besides its own objects: the bastion (its spec, grants and ledger), and its
 * namespace's labels (a ClusterSshBastion grants by them). Each change reconciles exactly the tunnels it concerns.
 */
public final class BastionEventSources {

    public static final String CLUSTER_BASTIONS = "cluster-ssh-bastions";
    public static final String BASTIONS = "ssh-bastions";
    public static final String NAMESPACES = "tunnel-namespaces";
    private static final String BY_BASTION = "sshtunnel.dev/bastion";

    private final InformerEventSource<ClusterSshBastion, SshTunnel> clusterBastions;
    private final InformerEventSource<SshBastion, SshTunnel> bastions;
    private final InformerEventSource<Namespace, SshTunnel> namespaces;
    private final EventSourceContext<SshTunnel> context;
    private final String operatorNamespace;

    public BastionEventSources(EventSourceContext<SshTunnel> context, String operatorNamespace) {
        this.context = context;
        this.operatorNamespace = operatorNamespace;
        context.getPrimaryCache().addIndexer(BY_BASTION, tunnel -> {
            BastionRef ref = tunnel.getSpec() == null ? null : tunnel.getSpec().getBastionRef();
            return ref == null ? List.of() : List.of(key(ref.getKind(), ref.getKind() == BastionKind.SshBastion
                    ? tunnel.getMetadata().getNamespace() : null, ref.getName()));
        });
        clusterBastions = new InformerEventSource<>(InformerEventSourceConfiguration.from(ClusterSshBastion.class, SshTunnel.class)
                .withName(CLUSTER_BASTIONS)
                // Cluster-scoped kinds: one informer at cluster scope, whatever namespaces the tunnel controller watches
                // (inherited, they would be one per watched namespace, and found by name in none).
                .withWatchAllNamespaces()
                .withInformerListLimit(SshTunnelReconciler.LIST_PAGE)
                .withSecondaryToPrimaryMapper(b -> users(key(BastionKind.ClusterSshBastion, null, b.getMetadata().getName())))
                .withPrimaryToSecondaryMapper((SshTunnel t) -> ref(t, BastionKind.ClusterSshBastion)
                        .map(r -> Set.of(new ResourceID(r.getName()))).orElse(Set.of()))
                .build(), context);
        bastions = new InformerEventSource<>(InformerEventSourceConfiguration.from(SshBastion.class, SshTunnel.class)
                .withName(BASTIONS)
                .withInformerListLimit(SshTunnelReconciler.LIST_PAGE)
                .withSecondaryToPrimaryMapper(b -> users(key(BastionKind.SshBastion, b.getMetadata().getNamespace(),
                        b.getMetadata().getName())))
                .withPrimaryToSecondaryMapper((SshTunnel t) -> ref(t, BastionKind.SshBastion)
                        .map(r -> Set.of(new ResourceID(r.getName(), t.getMetadata().getNamespace()))).orElse(Set.of()))
                .build(), context);
        namespaces = new InformerEventSource<>(InformerEventSourceConfiguration.from(Namespace.class, SshTunnel.class)
                .withName(NAMESPACES)
                .withWatchAllNamespaces()
                .withInformerListLimit(SshTunnelReconciler.LIST_PAGE)
                .withSecondaryToPrimaryMapper(n -> context.getPrimaryCache()
                        .list(n.getMetadata().getName(), t -> ref(t, BastionKind.ClusterSshBastion).isPresent())
                        .map(ResourceID::fromResource).collect(Collectors.toSet()))
                .withPrimaryToSecondaryMapper((SshTunnel t) -> ref(t, BastionKind.ClusterSshBastion).isPresent()
                        ? Set.of(new ResourceID(t.getMetadata().getNamespace())) : Set.of())
                .build(), context);
    }

    public List<InformerEventSource<?, SshTunnel>> all() {
        return List.of(clusterBastions, bastions, namespaces);
    }

    /** Tunnels whose bastion names this Secret (for the Secret index: a bastion's Secret reconciles its tunnels). */
    public Set<ResourceID> tunnelsUsingSecret(String namespace, String name) {
        Stream<String> cluster = clusterBastions.list(b -> namespace.equals(Bastion.of(b, operatorNamespace).credentialsNamespace())
                        && SpecSecretRefs.of(b.getSpec().getSsh(), "spec.ssh").secretNames().contains(name))
                .map(b -> key(BastionKind.ClusterSshBastion, null, b.getMetadata().getName()));
        Stream<String> namespaced = bastions.list(namespace, b -> b.getSpec() != null
                        && SpecSecretRefs.of(b.getSpec().getSsh(), "spec.ssh").secretNames().contains(name))
                .map(b -> key(BastionKind.SshBastion, namespace, b.getMetadata().getName()));
        return Stream.concat(cluster, namespaced).flatMap(k -> users(k).stream()).collect(Collectors.toSet());
    }

    private Set<ResourceID> users(String bastionKey) {
        return context.getPrimaryCache().byIndex(BY_BASTION, bastionKey).stream()
                .map(ResourceID::fromResource).collect(Collectors.toSet());
    }

    /** The tunnel's spec.bastionRef when it names a bastion of this kind. */
    public static Optional<BastionRef> ref(SshTunnel tunnel, BastionKind kind) {
        BastionRef ref = tunnel.getSpec() == null ? null : tunnel.getSpec().getBastionRef();
        return ref != null && ref.getKind() == kind ? Optional.of(ref) : Optional.empty();
    }

    private static String key(BastionKind kind, String namespace, String name) {
        return kind + "/" + (namespace == null ? "" : namespace) + "/" + name;
    }
}
