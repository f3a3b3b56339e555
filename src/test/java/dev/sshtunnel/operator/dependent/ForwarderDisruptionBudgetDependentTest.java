package dev.sshtunnel.operator.dependent;

import static dev.sshtunnel.testing.TunnelFixtures.local;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.OperatorSettings;
import dev.sshtunnel.testing.ReconcileContext;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

/** The budget that makes a drain evict a tunnel's pods one at a time, and never stall on pods that are not Ready. */
class ForwarderDisruptionBudgetDependentTest {

    private final ForwarderDisruptionBudgetDependent dependent = WiredDependents.budget(OperatorSettings.defaults());

    @Test
    void oneUnavailableAtATimeOverTheTunnelsPodsAndUnhealthyOnesMayAlwaysGo() {
        SshTunnel tunnel = WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432));
        tunnel.getSpec().setReplicas(2);
        PodDisruptionBudget budget = dependent.desired(tunnel, ReconcileContext.of(tunnel));
        assertThat(budget.getMetadata().getName()).isEqualTo("db");
        assertThat(budget.getMetadata().getNamespace()).isEqualTo("apps");
        assertThat(budget.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "sshtunnel-operator")
                .containsEntry("app.kubernetes.io/instance", "db");
        assertThat(budget.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
        assertThat(budget.getSpec().getMinAvailable()).as("minAvailable would block a drain of a single pod").isNull();
        assertThat(budget.getSpec().getUnhealthyPodEvictionPolicy()).isEqualTo("AlwaysAllow");
        assertThat(budget.getSpec().getSelector().getMatchLabels()).isEqualTo(Map.of(
                "app.kubernetes.io/name", "sshtunnel-forwarder", "app.kubernetes.io/instance", "db"));

        dependent.addReferenceHandlingMetadata(budget, tunnel);
        assertThat(budget.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(owner -> assertThat(owner.getKind() + "/" + owner.getName() + "/" + owner.getUid())
                        .isEqualTo("SshTunnel/db/0b7e6a5c-tunnel"));
    }

    @Test
    void onAClusterBastionItGuardsThePodsInTheBastionsNamespace() {
        SshTunnel tunnel = WiredDependents.tenantTunnel(local("echo", 7000, "127.0.0.1", 7001));
        PodDisruptionBudget budget = dependent.desired(tunnel, WiredDependents.onEdge(tunnel));
        assertThat(budget.getMetadata().getNamespace()).isEqualTo(WiredDependents.PLATFORM);
        assertThat(budget.getSpec().getSelector().getMatchLabels())
                .containsEntry("app.kubernetes.io/instance", budget.getMetadata().getName());
        assertThat(budget.getMetadata().getOwnerReferences()).extracting(o -> o.getKind() + "/" + o.getName())
                .containsExactly("ClusterSshBastion/edge");
    }
}
