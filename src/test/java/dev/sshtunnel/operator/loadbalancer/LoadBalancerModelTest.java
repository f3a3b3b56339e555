package dev.sshtunnel.operator.loadbalancer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.ClusterSshBastion;
import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.LoadBalancerSpec;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.TunnelFixtures;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;

/** Which Services are claimed, which bastion serves one, and the tunnel that does: pure functions of the objects. */
class LoadBalancerModelTest {

    @Test
    void onlyLoadBalancerServicesOfTheClassAreClaimed() {
        assertThat(LoadBalancerClaim.claims(service("LoadBalancer", LoadBalancerSpec.CLASS, Map.of(), tcp("https", 443)))).isTrue();
        assertThat(LoadBalancerClaim.claims(service("LoadBalancer", "example.com/metallb", Map.of(), tcp("https", 443)))).isFalse();
        assertThat(LoadBalancerClaim.claims(service("LoadBalancer", null, Map.of(), tcp("https", 443)))).isFalse();
        assertThat(LoadBalancerClaim.claims(service("ClusterIP", null, Map.of(), tcp("https", 443)))).isFalse();
        assertThat(LoadBalancerClaim.claims(null)).isFalse();
    }

    @Test
    void udpAndSctpPortsAndTooManyPortsAreRefusedWithWhatToChange() {
        var udp = LoadBalancerClaim.refusal(service("LoadBalancer", LoadBalancerSpec.CLASS, Map.of(), tcp("https", 443),
                new ServicePortBuilder().withName("dns").withPort(53).withProtocol("UDP").build()));
        assertThat(udp).isPresent();
        assertThat(udp.get().reason()).isEqualTo(Reason.ProtocolNotSupported);
        assertThat(udp.get().message()).contains("dns 53/UDP").contains("TCP only");
        ServicePort[] many = new ServicePort[33];
        for (int i = 0; i < many.length; i++) {
            many[i] = tcp("p" + i, 8000 + i);
        }
        var tooMany = LoadBalancerClaim.refusal(service("LoadBalancer", LoadBalancerSpec.CLASS, Map.of(), many));
        assertThat(tooMany.map(LoadBalancerClaim.Refusal::reason)).contains(Reason.InvalidSpec);
        assertThat(LoadBalancerClaim.refusal(service("LoadBalancer", LoadBalancerSpec.CLASS, Map.of(), tcp(null, 80)))).isEmpty();
    }

    @Test
    void theAnnotatedBastionElseTheOneDefault() {
        ClusterSshBastion edge = bastion("edge", false);
        ClusterSshBastion home = bastion("home", true);
        ClusterSshBastion plain = TunnelFixtures.clusterBastion("plain", "platform", "a");
        Service annotated = service("LoadBalancer", LoadBalancerSpec.CLASS, Map.of(LoadBalancerSpec.BASTION_ANNOTATION, "edge"), tcp("h", 1));
        Service unannotated = service("LoadBalancer", LoadBalancerSpec.CLASS, Map.of(), tcp("h", 1));
        assertThat(LoadBalancerBastions.choose(annotated, List.of(edge, home, plain)).bastion()).isSameAs(edge);
        assertThat(LoadBalancerBastions.choose(unannotated, List.of(edge, home, plain)).bastion()).isSameAs(home);

        var none = LoadBalancerBastions.choose(unannotated, List.of(edge, plain));
        assertThat(none.bastion()).isNull();
        assertThat(none.refusal().reason()).isEqualTo(Reason.BastionNotFound);
        assertThat(none.refusal().message()).contains("no ClusterSshBastion has spec.loadBalancer.default: true");
        var two = LoadBalancerBastions.choose(unannotated, List.of(home, bastion("other", true)));
        assertThat(two.bastion()).isNull();
        assertThat(two.refusal().message()).contains("2 ClusterSshBastions").contains("home").contains("other");
        var withoutLoadBalancer = LoadBalancerBastions.choose(service("LoadBalancer", LoadBalancerSpec.CLASS,
                Map.of(LoadBalancerSpec.BASTION_ANNOTATION, "plain"), tcp("h", 1)), List.of(plain));
        assertThat(withoutLoadBalancer.refusal().message()).contains("plain has no spec.loadBalancer");
        var missing = LoadBalancerBastions.choose(service("LoadBalancer", LoadBalancerSpec.CLASS,
                Map.of(LoadBalancerSpec.BASTION_ANNOTATION, "gone"), tcp("h", 1)), List.of(edge));
        assertThat(missing.refusal().message()).contains("gone").contains("does not exist");
    }

    @Test
    void aHostileAnnotationIsRefusedWithoutEchoingItsControlCharacters() {
        var hostile = LoadBalancerBastions.choose(service("LoadBalancer", LoadBalancerSpec.CLASS,
                Map.of(LoadBalancerSpec.BASTION_ANNOTATION, "edge\n\u001b[31mFAKE Connected"), tcp("h", 1)), List.of(bastion("edge", true)));
        assertThat(hostile.bastion()).isNull();
        assertThat(hostile.refusal().reason()).isEqualTo(Reason.BastionNotFound);
        assertThat(hostile.refusal().message()).doesNotContain("\n").doesNotContain("\u001b").contains("is not the name of a ClusterSshBastion");
    }

    @Test
    void theTunnelHoldsARemoteForwardPerPortToTheServiceWithAStandby() {
        Service service = service("LoadBalancer", LoadBalancerSpec.CLASS, Map.of(), tcp("https", 443), tcp("http", 80));
        SshTunnel tunnel = LoadBalancerTunnel.desired(service, bastion("edge", true));
        assertThat(tunnel.getMetadata().getName()).isEqualTo("web-lb");
        assertThat(tunnel.getMetadata().getNamespace()).isEqualTo("shop");
        assertThat(tunnel.getMetadata().getLabels()).containsEntry(LoadBalancerTunnel.SERVICE_LABEL, "web")
                .containsEntry("app.kubernetes.io/managed-by", "sshtunnel-operator");
        assertThat(tunnel.getSpec().getReplicas()).isEqualTo(2);
        assertThat(tunnel.getSpec().getBastionRef().getKind()).isEqualTo(BastionKind.ClusterSshBastion);
        assertThat(tunnel.getSpec().getBastionRef().getName()).isEqualTo("edge");
        assertThat(tunnel.getSpec().getSsh()).isNull();
        assertThat(tunnel.getSpec().getForwards()).extracting(ForwardSpec::getName, ForwardSpec::getType, ForwardSpec::getBindAddress,
                ForwardSpec::getPort, f -> f.getTarget().getService(), f -> f.getTarget().getPort())
                .containsExactly(tuple("https", ForwardType.Remote, "0.0.0.0", 443, "web", 443),
                        tuple("http", ForwardType.Remote, "0.0.0.0", 80, "web", 80));
        Service unnamed = service("LoadBalancer", LoadBalancerSpec.CLASS, Map.of(), tcp(null, 8443));
        assertThat(LoadBalancerTunnel.desired(unnamed, bastion("edge", true)).getSpec().getForwards().get(0).getName()).isEqualTo("tcp-8443");
    }

    static ClusterSshBastion bastion(String name, boolean isDefault) {
        ClusterSshBastion bastion = TunnelFixtures.clusterBastion(name, "platform", "a");
        LoadBalancerSpec loadBalancer = new LoadBalancerSpec();
        loadBalancer.setExternalAddress("203.0.113.7");
        loadBalancer.setDefaultBastion(isDefault);
        bastion.getSpec().setLoadBalancer(loadBalancer);
        return bastion;
    }

    static ServicePort tcp(String name, int port) {
        return new ServicePortBuilder().withName(name).withPort(port).withProtocol("TCP").build();
    }

    static Service service(String type, String loadBalancerClass, Map<String, String> annotations, ServicePort... ports) {
        return new ServiceBuilder().withNewMetadata().withName("web").withNamespace("shop").withAnnotations(annotations)
                .withGeneration(1L).withResourceVersion("7").endMetadata()
                .withNewSpec().withType(type).withLoadBalancerClass(loadBalancerClass).withPorts(ports).endSpec()
                .build();
    }
}
