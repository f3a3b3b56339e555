package dev.sshtunnel.operator.dependent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.tenancy.ResolvedTunnel;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;

/**
 * The one rule for how a dependent object is tied to its tunnel: in the tunnel's namespace by an owner reference (the
 * garbage collector removes it with the tunnel); in a bastion's namespace by the served-tunnel labels and an owner
 * reference to the ClusterSshBastion (removed with the bastion), and the tunnel's finalizer removes it with the tunnel.
 */
final class PlacedObjects {

    private PlacedObjects() {
    }

    /** Whether JOSDK may add its owner reference to the tunnel: only within the tunnel's namespace. */
    static boolean ownedByTunnel(HasMetadata desired, SshTunnel primary) {
        return Objects.equals(desired.getMetadata().getNamespace(), primary.getMetadata().getNamespace());
    }

    /** The metadata of an object placed for {@code resolved}: its name, namespace, labels and, across namespaces, owner. */
    static ObjectMeta metadata(ResolvedTunnel resolved, String name) {
        ObjectMeta meta = new ObjectMeta();
        meta.setName(name);
        meta.setNamespace(resolved.rendered().getMetadata().getNamespace());
        meta.setLabels(resolved.labels());
        meta.setAnnotations(new HashMap<>());
        Optional<HasMetadata> owner = resolved.placedOwner();
        owner.ifPresent(o -> meta.setOwnerReferences(new ArrayList<>(List.of(new OwnerReferenceBuilder()
                .withApiVersion(o.getApiVersion())
                .withKind(o.getKind())
                .withName(o.getMetadata().getName())
                .withUid(o.getMetadata().getUid())
                .build()))));
        return meta;
    }

    static <R extends HasMetadata> Optional<SecondaryToPrimaryMapper<R>> mapper(EventSourceContext<SshTunnel> context) {
        return Optional.of(ForwarderLabels::tunnelOf);
    }
}
