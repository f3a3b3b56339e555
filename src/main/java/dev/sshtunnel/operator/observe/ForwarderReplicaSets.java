package dev.sshtunnel.operator.observe;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/**
 * The ReplicaSets of the forwarder Deployments (they carry the pod template's labels), and the rule
 * for which pods are the tunnel's forwarders: pods controlled by a ReplicaSet that the tunnel's
 * Deployment controls — and, for the current rollout, the one at the Deployment's revision. A pod that
 * only carries the tunnel's labels (anyone who may create pods in the namespace can make one) is not
 * among them: its report says nothing about the tunnel.
 */
public final class ForwarderReplicaSets {

    public static final String EVENT_SOURCE = "forwarder-replicasets";
    /** Set by the deployment controller on the Deployment and on each of its ReplicaSets. */
    static final String REVISION = "deployment.kubernetes.io/revision";

    private ForwarderReplicaSets() {
    }

    /**
     * Metadata only (owner, revision annotation, labels): the API server sends nothing else, so neither the pod
     * template nor the replica counts the deployment controller keeps rewriting are ever parsed or held.
     */
    public static InformerEventSource<ReplicaSet, SshTunnel> eventSource(EventSourceContext<SshTunnel> context) {
        return ManagedInformers.of(ReplicaSet.class, EVENT_SOURCE, context,
                MetadataOnlyClient.of(context.getClient().getConfiguration()), ForwarderReplicaSets::signature);
    }

    /** What of a ReplicaSet the rule below reads. */
    static List<Object> signature(ReplicaSet replicaSet) {
        var metadata = replicaSet.getMetadata();
        return Arrays.asList(annotation(replicaSet, REVISION), metadata.getOwnerReferences(), metadata.getDeletionTimestamp() != null);
    }

    /** Names of the pods of the Deployment's current ReplicaSet; empty while there is none. */
    public static Set<String> currentPods(Optional<Deployment> deployment, Collection<ReplicaSet> replicaSets,
            Collection<Pod> pods) {
        String revision = deployment.map(d -> annotation(d, REVISION)).orElse(null);
        return podsOf(deployment, replicaSets.stream().filter(rs -> revision != null && revision.equals(annotation(rs, REVISION))),
                pods);
    }

    /** Names of the pods of every ReplicaSet the Deployment controls, the current one and those being replaced. */
    public static Set<String> deploymentPods(Optional<Deployment> deployment, Collection<ReplicaSet> replicaSets,
            Collection<Pod> pods) {
        return podsOf(deployment, replicaSets.stream(), pods);
    }

    private static Set<String> podsOf(Optional<Deployment> deployment, Stream<ReplicaSet> candidates, Collection<Pod> pods) {
        if (deployment.isEmpty()) {
            return Set.of();
        }
        List<ReplicaSet> owned = candidates.filter(rs -> controlledBy(rs, deployment.get())).toList();
        return pods.stream().filter(pod -> owned.stream().anyMatch(rs -> controlledBy(pod, rs)))
                .map(pod -> pod.getMetadata().getName()).collect(Collectors.toUnmodifiableSet());
    }

    private static boolean controlledBy(HasMetadata object, HasMetadata owner) {
        var references = object.getMetadata().getOwnerReferences();
        return references != null && references.stream()
                .filter(reference -> Boolean.TRUE.equals(reference.getController()))
                .map(OwnerReference::getUid)
                .anyMatch(uid -> Objects.equals(uid, owner.getMetadata().getUid()) && uid != null);
    }

    private static String annotation(HasMetadata object, String name) {
        var annotations = object.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(name);
    }
}
