package dev.sshtunnel.sandbox;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Stands in for the API server's garbage collector: an object whose every owner (by UID) is gone is
 * deleted, in background propagation. This is what removes a tunnel's Deployment, Service,
 * ConfigMap and NetworkPolicy after `kubectl delete sshtunnel`, whether or not the operator runs.
 */
final class GarbageCollector {

    private final KubernetesClient client;
    private final Consumer<String> log;

    GarbageCollector(KubernetesClient client, Consumer<String> log) {
        this.client = client;
        this.log = log;
    }

    void sweep() {
        List<HasMetadata> dependents = new ArrayList<>();
        dependents.addAll(client.configMaps().inAnyNamespace().list().getItems());
        dependents.addAll(client.services().inAnyNamespace().list().getItems());
        dependents.addAll(client.network().networkPolicies().inAnyNamespace().list().getItems());
        List<HasMetadata> deployments = new ArrayList<>(client.apps().deployments().inAnyNamespace().list().getItems());
        dependents.addAll(deployments);
        dependents.addAll(client.pods().inAnyNamespace().list().getItems());
        Set<String> uids = new HashSet<>();
        client.resources(SshTunnel.class).inAnyNamespace().list().getItems().forEach(t -> uids.add(t.getMetadata().getUid()));
        deployments.forEach(d -> uids.add(d.getMetadata().getUid()));
        for (HasMetadata dependent : dependents) {
            List<OwnerReference> owners = dependent.getMetadata().getOwnerReferences();
            if (owners == null || owners.isEmpty() || owners.stream().anyMatch(o -> uids.contains(o.getUid()))) {
                continue;
            }
            client.resource(dependent).delete();
            log.accept("garbage collector: deleted " + dependent.getKind().toLowerCase() + " "
                    + dependent.getMetadata().getNamespace() + "/" + dependent.getMetadata().getName() + " (owner gone)");
        }
    }
}
