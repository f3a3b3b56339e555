package dev.sshtunnel.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.operator.status.SpecHeldBack;
import dev.sshtunnel.operator.tenancy.Bastion;
import dev.sshtunnel.operator.tenancy.WatchedNamespaces;
import dev.sshtunnel.testing.OperatorSettings;
import dev.sshtunnel.testing.TunnelFixtures;

/** A ClusterSshBastion's credentials namespace must be one the operator watches (the chart's watchNamespaces). */
class BastionReconciliationTest {

    private static WatchedNamespaces watching(String setting) {
        return WatchedNamespaces.of(OperatorSettings.with(Map.of("sshtunnel.watch-namespaces", setting)).watchNamespaces());
    }

    @Test
    void everyCredentialsNamespaceIsWatchedWhenAllAre() {
        assertThat(WatchedNamespaces.of(OperatorSettings.defaults().watchNamespaces())).isEqualTo(WatchedNamespaces.ALL);
        assertThat(watching("JOSDK_ALL_NAMESPACES")).isEqualTo(WatchedNamespaces.ALL);
        assertThat(BastionReconciliation.credentialsNamespaceProblem(
                Bastion.of(TunnelFixtures.clusterBastion("edge", "platform", "a"), "sshtunnel-system"), WatchedNamespaces.ALL)).isEmpty();
    }

    @Test
    void aWatchedCredentialsNamespacePasses() {
        assertThat(BastionReconciliation.credentialsNamespaceProblem(
                Bastion.of(TunnelFixtures.clusterBastion("edge", "team-b", "a"), "ops"), watching("team-a, team-b"))).isEmpty();
    }

    @Test
    void anUnwatchedCredentialsNamespaceIsNotReadyAndSaysWhatToAdd() {
        var problem = BastionReconciliation.credentialsNamespaceProblem(
                Bastion.of(TunnelFixtures.clusterBastion("edge", "platform", "a"), "ops"), watching("team-a,team-b"));
        assertThat(problem).map(SpecHeldBack::reason).hasValue(Reason.CredentialsNamespaceNotWatched);
        assertThat(problem.get().message()).contains("credentials namespace platform", "team-a, team-b",
                "add platform to the chart's watchNamespaces");
        assertThat(Reason.CredentialsNamespaceNotWatched.needsAction()).isTrue();
    }

    /** Without credentialsNamespace the operator's own namespace holds the Secrets: it must be watched too. */
    @Test
    void theDefaultCredentialsNamespaceIsTheOperatorsAndMustBeWatchedToo() {
        var bastion = TunnelFixtures.clusterBastion("edge", null, "a");
        assertThat(BastionReconciliation.credentialsNamespaceProblem(Bastion.of(bastion, "ops"), watching("team-a")))
                .map(SpecHeldBack::reason).hasValue(Reason.CredentialsNamespaceNotWatched);
        assertThat(BastionReconciliation.credentialsNamespaceProblem(Bastion.of(bastion, "ops"), watching("team-a,ops"))).isEmpty();
    }
}
