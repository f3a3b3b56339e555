package dev.sshtunnel.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.LoadBalancerSpec;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;
import dev.sshtunnel.operator.loadbalancer.LoadBalancerClaim.Refusal;
import dev.sshtunnel.testing.TunnelFixtures;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;

/** A claimed Service's status from its tunnel: the ingress only while served, kept through a short transient gap. */
class LoadBalancerStatusAggregatorTest {

    private static final Instant NOW = Instant.parse("2026-12-07T20:00:00Z");
    private static final Duration GRACE = Duration.ofSeconds(10);

    @Test
    void aServedTunnelGivesTheBastionsAddressAsIngressWithIpModeProxy() {
        var desired = LoadBalancerStatusAggregator.of(service(), Optional.empty(), Optional.of(loadBalancer("203.0.113.7")),
                Optional.of(tunnel(1, 1, "True", Reason.Connected)), NOW, GRACE);
        assertThat(desired.ingress()).hasSize(1);
        assertThat(desired.ingress().get(0).getIp()).isEqualTo("203.0.113.7");
        assertThat(desired.ingress().get(0).getIpMode()).isEqualTo("Proxy");
        assertThat(desired.ingress().get(0).getPorts()).extracting(p -> p.getPort() + "/" + p.getProtocol()).containsExactly("443/TCP");
        assertThat(desired.condition().getType()).isEqualTo(LoadBalancerStatusAggregator.CONDITION);
        assertThat(desired.condition().getStatus()).isEqualTo("True");
        assertThat(desired.condition().getReason()).isEqualTo("Connected");
        assertThat(desired.condition().getObservedGeneration()).isEqualTo(3L);
        assertThat(desired.recheck()).isEmpty();

        var byName = LoadBalancerStatusAggregator.of(service(), Optional.empty(), Optional.of(loadBalancer("vps.example.com")),
                Optional.of(tunnel(1, 1, "True", Reason.Connected)), NOW, GRACE);
        assertThat(byName.ingress().get(0).getHostname()).isEqualTo("vps.example.com");
        assertThat(byName.ingress().get(0).getIp()).isNull();
    }

    @Test
    void noIngressUntilTheTunnelIsReadyForItsCurrentSpec() {
        var none = LoadBalancerStatusAggregator.of(service(), Optional.empty(), Optional.of(loadBalancer("203.0.113.7")),
                Optional.empty(), NOW, GRACE);
        assertThat(none.ingress()).isEmpty();
        assertThat(none.condition().getReason()).isEqualTo("Connecting");
        var stale = LoadBalancerStatusAggregator.of(service(), Optional.empty(), Optional.of(loadBalancer("203.0.113.7")),
                Optional.of(tunnel(2, 1, "True", Reason.Connected)), NOW, GRACE);
        assertThat(stale.ingress()).as("Ready for an older generation of the tunnel").isEmpty();
        assertThat(stale.condition().getStatus()).isEqualTo("False");
    }

    @Test
    void aRefusalOrAReasonThatNeedsActionClearsTheIngressAtOnce() {
        Service served = servedSince(NOW.minusSeconds(1));
        var refused = LoadBalancerStatusAggregator.of(served, Optional.of(new Refusal(Reason.ProtocolNotSupported, "port dns 53/UDP")),
                Optional.of(loadBalancer("203.0.113.7")), Optional.empty(), NOW, GRACE);
        assertThat(refused.ingress()).isEmpty();
        assertThat(refused.condition().getReason()).isEqualTo("ProtocolNotSupported");
        assertThat(refused.condition().getMessage()).isEqualTo("port dns 53/UDP");
        var conflict = LoadBalancerStatusAggregator.of(served, Optional.empty(), Optional.of(loadBalancer("203.0.113.7")),
                Optional.of(tunnel(1, 1, "False", Reason.PortConflict)), NOW, GRACE);
        assertThat(conflict.ingress()).isEmpty();
        assertThat(conflict.condition().getReason()).isEqualTo("PortConflict");
    }

    @Test
    void aTransientGapKeepsTheIngressForTheGraceThenClearsIt() {
        var justLost = LoadBalancerStatusAggregator.of(servedSince(NOW.minusSeconds(60)), Optional.empty(),
                Optional.of(loadBalancer("203.0.113.7")), Optional.of(tunnel(1, 1, "False", Reason.ForwarderUnavailable)), NOW, GRACE);
        assertThat(justLost.ingress()).as("the standby is taking the port over").hasSize(1);
        assertThat(justLost.condition().getStatus()).isEqualTo("False");
        assertThat(justLost.recheck()).contains(GRACE.plusSeconds(1));

        Service unservedFor4s = unservedSince(NOW.minusSeconds(4));
        var within = LoadBalancerStatusAggregator.of(unservedFor4s, Optional.empty(), Optional.of(loadBalancer("203.0.113.7")),
                Optional.of(tunnel(1, 1, "False", Reason.Unreachable)), NOW, GRACE);
        assertThat(within.ingress()).hasSize(1);
        assertThat(within.recheck()).contains(Duration.ofSeconds(7));
        var after = LoadBalancerStatusAggregator.of(unservedSince(NOW.minusSeconds(11)), Optional.empty(),
                Optional.of(loadBalancer("203.0.113.7")), Optional.of(tunnel(1, 1, "False", Reason.Unreachable)), NOW, GRACE);
        assertThat(after.ingress()).isEmpty();
        assertThat(after.recheck()).isEmpty();
    }

    @Test
    void whatTheServiceAlreadySaysIsNotWrittenAgain() {
        var desired = LoadBalancerStatusAggregator.of(service(), Optional.empty(), Optional.of(loadBalancer("203.0.113.7")),
                Optional.of(tunnel(1, 1, "True", Reason.Connected)), NOW, GRACE);
        assertThat(desired.matches(service())).isFalse();
        Service written = new ServiceBuilder(service()).withStatus(new ServiceStatusBuilder()
                .withNewLoadBalancer().withIngress(desired.ingress()).endLoadBalancer()
                .withConditions(new ConditionBuilder(desired.condition()).withLastTransitionTime("2026-12-07T19:00:00Z").build())
                .build()).build();
        assertThat(desired.matches(written)).isTrue();
    }

    private static Service service() {
        return new ServiceBuilder().withNewMetadata().withName("web").withNamespace("shop").withGeneration(3L).endMetadata()
                .withNewSpec().withType("LoadBalancer").withLoadBalancerClass(LoadBalancerSpec.CLASS)
                    .addNewPort().withName("https").withPort(443).withProtocol("TCP").endPort()
                .endSpec().build();
    }

    private static Service servedSince(Instant since) {
        return withStatus("True", "Connected", since);
    }

    private static Service unservedSince(Instant since) {
        return withStatus("False", "Unreachable", since);
    }

    private static Service withStatus(String status, String reason, Instant since) {
        return new ServiceBuilder(service()).withStatus(new ServiceStatusBuilder()
                .withNewLoadBalancer().addNewIngress().withIp("203.0.113.7").withIpMode("Proxy").endIngress().endLoadBalancer()
                .withConditions(new ConditionBuilder().withType(LoadBalancerStatusAggregator.CONDITION).withStatus(status)
                        .withReason(reason).withMessage("m").withObservedGeneration(3L).withLastTransitionTime(since.toString()).build())
                .build()).build();
    }

    private static LoadBalancerSpec loadBalancer(String address) {
        LoadBalancerSpec spec = new LoadBalancerSpec();
        spec.setExternalAddress(address);
        return spec;
    }

    private static SshTunnel tunnel(long generation, long observed, String ready, Reason reason) {
        SshTunnel tunnel = TunnelFixtures.tunnel("shop", "web-lb");
        tunnel.getMetadata().setGeneration(generation);
        SshTunnelStatus status = new SshTunnelStatus();
        status.setObservedGeneration(observed);
        status.setConditions(List.of(new ConditionBuilder().withType(ConditionTypes.READY).withStatus(ready).withReason(reason.name())
                .withMessage("ok").build()));
        tunnel.setStatus(status);
        return tunnel;
    }
}
