package dev.sshtunnel.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.PortAllocation;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.operator.status.BastionStatusAggregator;
import dev.sshtunnel.operator.status.SpecHeldBack;
import dev.sshtunnel.operator.tenancy.Bastion;
import dev.sshtunnel.operator.tenancy.WatchedNamespaces;
import dev.sshtunnel.testing.OperatorSettings;
import dev.sshtunnel.testing.TunnelFixtures;
import io.fabric8.kubernetes.api.model.Condition;

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

    /**
     * Shards: a release that cannot read the credentials namespace keeps the Ready condition a release that can wrote
     * about this generation (else the two would overwrite each other for ever), and says NotWatched only when none did.
     */
    @Test
    void aReleaseNotWatchingTheCredentialsNamespaceKeepsTheReadyOfThisGeneration() {
        var aggregator = new BastionStatusAggregator(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
        var object = TunnelFixtures.clusterBastion("edge", "platform", "a");
        object.getMetadata().setGeneration(2L);
        var ledger = List.of(new PortAllocation("team-a", "web", "hook", "localhost", 8001));
        var notWatched = BastionReconciliation.credentialsNamespaceProblem(Bastion.of(object, "ops"), watching("team-a"));
        var accepted = aggregator.aggregate(object, null, Optional.empty(), ledger, 1);

        var first = BastionReconciliation.keepingReadyOfThisGeneration(aggregator.aggregate(object, null, notWatched, ledger, 1), null);
        assertThat(first.getConditions()).singleElement().extracting(Condition::getReason).isEqualTo("CredentialsNamespaceNotWatched");
        var kept = BastionReconciliation.keepingReadyOfThisGeneration(aggregator.aggregate(object, accepted, notWatched, ledger, 1), accepted);
        assertThat(kept).as("what the watching release wrote, unchanged: no write").isEqualTo(accepted);

        object.getMetadata().setGeneration(3L);
        var newSpec = BastionReconciliation.keepingReadyOfThisGeneration(aggregator.aggregate(object, accepted, notWatched, ledger, 1), accepted);
        assertThat(newSpec.getConditions()).singleElement().extracting(Condition::getReason).isEqualTo("CredentialsNamespaceNotWatched");
    }
}
