package dev.sshtunnel.operator.tenancy;

import static dev.sshtunnel.testing.TunnelFixtures.local;
import static dev.sshtunnel.testing.TunnelFixtures.remote;
import static dev.sshtunnel.testing.TunnelFixtures.tunnel;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.AllowedNamespaces;
import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.BastionRef;
import dev.sshtunnel.api.v1alpha1.ClusterSshBastion;
import dev.sshtunnel.api.v1alpha1.ClusterSshBastionSpec;
import dev.sshtunnel.api.v1alpha1.LocalGrant;
import dev.sshtunnel.api.v1alpha1.LocalTargets;
import dev.sshtunnel.api.v1alpha1.PortAllocation;
import dev.sshtunnel.api.v1alpha1.PortRanges;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.RemoteGrant;
import dev.sshtunnel.api.v1alpha1.SshBastionStatus;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.status.SpecHeldBack;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/** The I/O-free rules of bastions: grants, Local targets, Remote binds, the ledger and the rendering of a tunnel on one. */
class BastionRulesTest {

    @Test
    void localTargetsMatchNamesWildcardsAddressesAndCidrsAsWritten() {
        List<String> targets = List.of("db.internal:5432", "10.20.0.0/16:*", "*.corp.example:443", "[fd00::/64]:22", "192.0.2.7:80");
        assertThat(LocalTargets.allows(targets, "db.internal", 5432)).isTrue();
        assertThat(LocalTargets.allows(targets, "DB.internal", 5432)).as("names compare case-insensitively").isTrue();
        assertThat(LocalTargets.allows(targets, "db.internal", 5433)).isFalse();
        assertThat(LocalTargets.allows(targets, "10.20.255.1", 1)).isTrue();
        assertThat(LocalTargets.allows(targets, "10.21.0.1", 1)).isFalse();
        assertThat(LocalTargets.allows(targets, "git.corp.example", 443)).isTrue();
        assertThat(LocalTargets.allows(targets, "corp.example", 443)).as("*.suffix needs a label before the suffix").isFalse();
        assertThat(LocalTargets.allows(targets, "evilcorp.example", 443)).isFalse();
        assertThat(LocalTargets.allows(targets, "fd00::1", 22)).isTrue();
        assertThat(LocalTargets.allows(targets, "fd01::1", 22)).isFalse();
        assertThat(LocalTargets.allows(targets, "192.0.2.7", 80)).isTrue();
        // A name is never resolved to match a CIDR: the bastion resolves it, and may see another answer than the cluster.
        assertThat(LocalTargets.allows(targets, "ten-twenty.internal", 22)).isFalse();
        assertThat(LocalTargets.allows(List.of("not a target"), "x", 1)).isFalse();
    }

    @Test
    void portRangesCoverSinglePortsAndInclusiveRanges() {
        assertThat(PortRanges.contains(List.of("8000-8999", "443"), 8000)).isTrue();
        assertThat(PortRanges.contains(List.of("8000-8999", "443"), 8999)).isTrue();
        assertThat(PortRanges.contains(List.of("8000-8999", "443"), 9000)).isFalse();
        assertThat(PortRanges.contains(List.of("8000-8999", "443"), 443)).isTrue();
        assertThat(PortRanges.contains(List.of("9-1"), 5)).as("a reversed range covers nothing").isFalse();
        assertThat(PortRanges.contains(List.of("0-70000"), 22)).as("outside 1-65535 covers nothing").isFalse();
    }

    @Test
    void allowedNamespacesSelectByLabels() {
        AllowedNamespaces selector = new AllowedNamespaces();
        selector.setFrom(AllowedNamespaces.From.Selector);
        selector.setSelector(new LabelSelectorBuilder().addToMatchLabels("team", "a")
                .addNewMatchExpression().withKey("frozen").withOperator("DoesNotExist").endMatchExpression().build());
        assertThat(NamespaceGrant.admits(selector, Map.of("team", "a"))).isTrue();
        assertThat(NamespaceGrant.admits(selector, Map.of("team", "b"))).isFalse();
        assertThat(NamespaceGrant.admits(selector, Map.of("team", "a", "frozen", "yes"))).isFalse();
        AllowedNamespaces all = new AllowedNamespaces();
        all.setFrom(AllowedNamespaces.From.All);
        assertThat(NamespaceGrant.admits(all, Map.of())).isTrue();
        assertThat(NamespaceGrant.admits(null, Map.of())).isFalse();
    }

    @Test
    void aTunnelIsRefusedWithTheReasonOfTheRuleItBreaks() {
        Bastion edge = edge(List.of());
        assertThat(refusal(edge, onEdge("team-a", "t", local("db", 5432, "db.internal", 5432)), "b"))
                .map(SpecHeldBack::reason).contains(Reason.BastionNotAllowed);
        assertThat(refusal(edge, onEdge("team-a", "t", local("db", 5432, "db.internal", 5432)), "a")).isEmpty();
        assertThat(refusal(edge, onEdge("team-a", "t", local("db", 5432, "other.internal", 5432)), "a"))
                .map(SpecHeldBack::reason).contains(Reason.TargetNotAllowed);
        assertThat(refusal(edge, onEdge("team-a", "t", remote("hook", 9000, "web", 80)), "a"))
                .map(SpecHeldBack::reason).contains(Reason.BindNotAllowed);
        assertThat(refusal(edge, onEdge("team-a", "t", remote("hook", 8443, "web", 80)), "a")).isEmpty();
        var elsewhere = remote("hook", 8443, "web", 80);
        elsewhere.setBindAddress("0.0.0.0");
        assertThat(refusal(edge, onEdge("team-a", "t", elsewhere), "a")).map(SpecHeldBack::message)
                .hasValueSatisfying(m -> assertThat(m).contains("bindAddress 0.0.0.0").contains("remote.bindAddresses"));
    }

    @Test
    void theLedgerKeepsTheFirstHolderAndNamesItToTheNext() {
        PortAllocation first = new PortAllocation("team-a", "r1", "hook", "localhost", 8443);
        PortAllocation second = new PortAllocation("team-b", "r2", "hook", "localhost", 8443);
        // The ledger as stored wins over creation order: team-b's tunnel is older, team-a's asked first.
        assertThat(PortLedger.next(List.of(first), List.of(second, first))).containsExactly(first);
        assertThat(PortLedger.next(List.of(), List.of(second, first))).containsExactly(second);
        // A holder that stops asking frees the bind for the next.
        assertThat(PortLedger.next(List.of(first), List.of(second))).containsExactly(second);

        Bastion edge = edge(List.of(first));
        SshTunnel r2 = onEdge("team-b", "r2", remote("hook", 8443, "web", 80));
        assertThat(PortLedger.problem(edge, BastionGrant.requests(r2))).hasValueSatisfying(p -> {
            assertThat(p.reason()).isEqualTo(Reason.PortConflict);
            assertThat(p.message()).contains("held by team-a/r1");
        });
        SshTunnel r1 = onEdge("team-a", "r1", remote("hook", 8443, "web", 80));
        assertThat(PortLedger.problem(edge, BastionGrant.requests(r1))).isEmpty();
        assertThat(PortLedger.problem(edge(List.of()), BastionGrant.requests(r1))).map(SpecHeldBack::reason)
                .as("not yet in the ledger: waiting, not a conflict").contains(Reason.Connecting);
    }

    @Test
    void theLedgerIsBounded() {
        List<PortAllocation> many = new java.util.ArrayList<>();
        for (int i = 0; i < SshBastionStatus.MAX_ALLOCATIONS + 10; i++) {
            many.add(new PortAllocation("ns", "t" + i, "f", "localhost", 1 + i));
        }
        assertThat(PortLedger.next(List.of(), many)).hasSize(SshBastionStatus.MAX_ALLOCATIONS);
    }

    @Test
    void aTunnelOnAClusterBastionRunsInItsCredentialsNamespaceUnderAUniqueName() {
        Bastion edge = edge(List.of());
        SshTunnel a = onEdge("team-a", "web", local("db", 5432, "db.internal", 5432));
        SshTunnel b = onEdge("team-b", "web", local("db", 5432, "db.internal", 5432));
        ResolvedTunnel ra = TunnelResolution.resolve(a, Optional.of(edge), Optional.empty(), Map.of("team", "a"), WatchedNamespaces.ALL);
        ResolvedTunnel rb = TunnelResolution.resolve(b, Optional.of(edge), Optional.empty(), Map.of("team", "a"), WatchedNamespaces.ALL);
        assertThat(ra.rendered().getMetadata().getNamespace()).isEqualTo("platform");
        assertThat(ra.crossNamespace()).isTrue();
        assertThat(ra.rendered().getMetadata().getName()).startsWith("web-").isNotEqualTo(rb.rendered().getMetadata().getName());
        assertThat(ra.rendered().getSpec().getSsh().getHost()).isEqualTo("bastion.example");
        assertThat(ra.rendered().getSpec().getBastionRef()).isNull();
        assertThat(a.getSpec().getSsh()).as("the stored tunnel is not changed").isNull();
        assertThat(ra.labels()).containsEntry("sshtunnel.dev/tunnel-namespace", "team-a").containsEntry("sshtunnel.dev/tunnel-name", "web");
        assertThat(ra.placedOwner()).containsSame(edge.object());

        SshTunnel missing = onEdge("team-a", "web", local("db", 5432, "db.internal", 5432));
        assertThat(TunnelResolution.resolve(missing, Optional.empty(), Optional.empty(), Map.of(), WatchedNamespaces.ALL).refusal())
                .map(SpecHeldBack::reason).contains(Reason.BastionNotFound);
    }

    @Test
    void aTunnelIsNotPlacedOnAClusterBastionWhoseCredentialsNamespaceTheOperatorDoesNotWatch() {
        SshTunnel a = onEdge("team-a", "web", local("db", 5432, "db.internal", 5432));
        ResolvedTunnel unwatched = TunnelResolution.resolve(a, Optional.of(edge(List.of())), Optional.empty(), Map.of("team", "a"),
                WatchedNamespaces.of(Optional.of(List.of("team-a"))));
        assertThat(unwatched.refusal()).map(SpecHeldBack::reason).contains(Reason.CredentialsNamespaceNotWatched);
        assertThat(unwatched.refusal()).map(SpecHeldBack::message).get().asString()
                .contains("ClusterSshBastion edge").doesNotContain("platform"); // the tenant is not told the platform's namespace
        assertThat(TunnelResolution.resolve(a, Optional.of(edge(List.of())), Optional.empty(), Map.of("team", "a"),
                WatchedNamespaces.of(Optional.of(List.of("team-a", "platform")))).refusal()).isEmpty();
    }

    @Test
    void aServiceTargetIsTheServiceOfTheTunnelsNamespace() {
        var hook = remote("hook", 8443, "ignored", 80);
        hook.getTarget().setHost(null);
        hook.getTarget().setService("web");
        SshTunnel t = onEdge("team-a", "r", hook);
        ResolvedTunnel resolved = TunnelResolution.resolve(t, Optional.of(edge(List.of())), Optional.empty(), Map.of("team", "a"), WatchedNamespaces.ALL);
        assertThat(resolved.rendered().getSpec().getForwards().get(0).getTarget().getHost()).isEqualTo("web.team-a.svc");
        assertThat(resolved.rendered().getSpec().getForwards().get(0).getTarget().getService()).isNull();
    }

    private static Optional<SpecHeldBack> refusal(Bastion bastion, SshTunnel tunnel, String team) {
        return BastionGrant.refusal(bastion, tunnel, Map.of("team", team));
    }

    private static SshTunnel onEdge(String namespace, String name, dev.sshtunnel.api.v1alpha1.ForwardSpec... forwards) {
        SshTunnel t = tunnel(namespace, name, forwards);
        t.getSpec().setSsh(null);
        t.getSpec().setBastionRef(new BastionRef(BastionKind.ClusterSshBastion, "edge"));
        return t;
    }

    private static Bastion edge(List<PortAllocation> ledger) {
        ClusterSshBastion bastion = new ClusterSshBastion();
        bastion.setMetadata(new ObjectMetaBuilder().withName("edge").withUid("uid-edge").withGeneration(1L).build());
        ClusterSshBastionSpec spec = new ClusterSshBastionSpec();
        spec.setSsh(tunnel("x", "x").getSpec().getSsh());
        spec.getSsh().setHost("bastion.example");
        spec.setCredentialsNamespace("platform");
        AllowedNamespaces allowed = new AllowedNamespaces();
        allowed.setFrom(AllowedNamespaces.From.Selector);
        allowed.setSelector(new LabelSelectorBuilder().addToMatchLabels("team", "a").build());
        spec.setAllowedNamespaces(allowed);
        RemoteGrant remote = new RemoteGrant();
        remote.setBindAddresses(List.of("localhost"));
        remote.setPorts(List.of("8000-8999"));
        spec.setRemote(remote);
        LocalGrant local = new LocalGrant();
        local.setTargets(List.of("db.internal:5432"));
        spec.setLocal(local);
        bastion.setSpec(spec);
        SshBastionStatus status = new SshBastionStatus();
        status.setAllocations(ledger);
        bastion.setStatus(status);
        return Bastion.of(bastion, "operator-ns");
    }
}
