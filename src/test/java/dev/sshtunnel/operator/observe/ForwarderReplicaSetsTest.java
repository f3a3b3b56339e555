package dev.sshtunnel.operator.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;

/** Which pods speak for a tunnel's current rollout: controlled by the ReplicaSet at the Deployment's revision that it controls. */
class ForwarderReplicaSetsTest {

    private final Deployment deployment = new DeploymentBuilder().withNewMetadata().withName("db").withUid("d-1")
            .withAnnotations(Map.of(ForwarderReplicaSets.REVISION, "2")).endMetadata().build();

    @Test
    void onlyPodsOfTheCurrentReplicaSetOfTheDeploymentCount() {
        ReplicaSet old = replicaSet("db-old", "rs-1", "1", "d-1");
        ReplicaSet current = replicaSet("db-new", "rs-2", "2", "d-1");
        ReplicaSet foreign = replicaSet("db-foreign", "rs-3", "2", "d-other");
        List<Pod> pods = List.of(pod("db-old-a", "rs-1", true), pod("db-new-a", "rs-2", true), pod("db-new-b", "rs-2", true),
                pod("labelled-only", null, false), pod("db-foreign-a", "rs-3", true), pod("not-controller", "rs-2", false));

        assertThat(ForwarderReplicaSets.currentPods(Optional.of(deployment), List.of(old, current, foreign), pods))
                .containsExactlyInAnyOrder("db-new-a", "db-new-b");
        assertThat(ForwarderReplicaSets.currentPods(Optional.empty(), List.of(old, current), pods)).isEmpty();
        assertThat(ForwarderReplicaSets.deploymentPods(Optional.of(deployment), List.of(old, current, foreign), pods))
                .as("the tunnel's forwarders, the rollout's old ones too").containsExactlyInAnyOrder("db-old-a", "db-new-a", "db-new-b");
        assertThat(ForwarderReplicaSets.currentPods(Optional.of(deployment), List.of(old, foreign), pods))
                .as("no ReplicaSet at the Deployment's revision yet").isEmpty();
    }

    private static ReplicaSet replicaSet(String name, String uid, String revision, String owner) {
        return new ReplicaSetBuilder().withNewMetadata().withName(name).withUid(uid)
                .withAnnotations(Map.of(ForwarderReplicaSets.REVISION, revision))
                .withOwnerReferences(new OwnerReferenceBuilder().withKind("Deployment").withName("db").withUid(owner)
                        .withController(true).build())
                .endMetadata().build();
    }

    private static Pod pod(String name, String owner, boolean controller) {
        var metadata = new PodBuilder().withNewMetadata().withName(name).withLabels(Map.of("app.kubernetes.io/instance", "db"));
        if (owner != null || !controller) {
            metadata.withOwnerReferences(new OwnerReferenceBuilder().withKind("ReplicaSet").withName("x")
                    .withUid(owner == null ? "rs-2" : owner).withController(controller).build());
        }
        return metadata.endMetadata().build();
    }
}
