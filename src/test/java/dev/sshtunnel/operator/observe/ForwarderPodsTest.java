package dev.sshtunnel.operator.observe;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

/** Which changes of a forwarder pod are news to the operator. */
class ForwarderPodsTest {

    private static final Pod PENDING = new PodBuilder().withNewMetadata().withName("db-1").withNamespace("apps").endMetadata()
            .withNewStatus().withPhase("Pending").endStatus().build();

    @Test
    void aPendingPodsSchedulingAttemptsAreNot() {
        Pod unschedulable = new PodBuilder(PENDING).editStatus().addNewCondition().withType("PodScheduled").withStatus("False")
                .withReason("Unschedulable").endCondition().endStatus().build();
        assertThat(ForwarderPods.signature(unschedulable)).isEqualTo(ForwarderPods.signature(PENDING));
    }

    @Test
    void runningReadyAddressedOrDeletedAre() {
        Pod running = new PodBuilder(PENDING).editStatus().withPhase("Running").withPodIP("10.0.0.7").endStatus().build();
        Pod ready = new PodBuilder(running).editStatus().addNewCondition().withType("Ready").withStatus("True").endCondition()
                .endStatus().build();
        Pod deleted = new PodBuilder(ready).editMetadata().withDeletionTimestamp("2026-12-07T23:00:00Z").endMetadata().build();

        assertThat(ForwarderPods.signature(running)).isNotEqualTo(ForwarderPods.signature(PENDING));
        assertThat(ForwarderPods.signature(ready)).isNotEqualTo(ForwarderPods.signature(running));
        assertThat(ForwarderPods.signature(deleted)).isNotEqualTo(ForwarderPods.signature(ready));
    }
}
