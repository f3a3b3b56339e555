package dev.sshtunnel.operator.dependent;

import static dev.sshtunnel.testing.TunnelFixtures.dynamic;
import static dev.sshtunnel.testing.TunnelFixtures.local;
import static dev.sshtunnel.testing.TunnelFixtures.remote;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.NetworkPolicySpec;
import dev.sshtunnel.api.v1alpha1.ProxySpec;
import dev.sshtunnel.api.v1alpha1.ProxyType;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.OperatorSettings;
import dev.sshtunnel.testing.ReconcileContext;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;

/** Who may reach the forwarder pods and where they may connect: peers and ports, rule by rule. */
class ForwarderNetworkPolicyDependentTest {

    private final ForwarderNetworkPolicyDependent dependent = WiredDependents.networkPolicy(OperatorSettings.defaults());

    private NetworkPolicy desired(SshTunnel tunnel) {
        return dependent.desired(tunnel, ReconcileContext.of(tunnel));
    }

    @Test
    void listeningPortsOpenToTheTunnelsNamespaceAndTheStatusPortToTheOperatorOnly() {
        NetworkPolicy policy = desired(WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432), dynamic("socks", 1080),
                remote("hook", 8443, "web.internal", 80)));
        assertThat(policy.getMetadata().getName()).isEqualTo("db");
        assertThat(policy.getMetadata().getNamespace()).isEqualTo("apps");
        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isEqualTo(Map.of(
                "app.kubernetes.io/name", "sshtunnel-forwarder", "app.kubernetes.io/instance", "db"));
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");

        List<NetworkPolicyIngressRule> ingress = policy.getSpec().getIngress();
        assertThat(ingress).hasSize(2);
        // Local and Dynamic ports, not the Remote one (the server's); from any pod of the tunnel's namespace, not the cluster.
        assertThat(ports(ingress.get(0).getPorts())).containsExactly("TCP/5432", "TCP/1080");
        assertThat(ingress.get(0).getFrom()).singleElement().satisfies(peer -> {
            assertThat(peer.getPodSelector()).isNotNull();
            assertThat(peer.getPodSelector().getMatchLabels()).isNullOrEmpty();
            assertThat(peer.getPodSelector().getMatchExpressions()).isNullOrEmpty();
            assertThat(peer.getNamespaceSelector()).isNull();
            assertThat(peer.getIpBlock()).isNull();
        });
        assertThat(ports(ingress.get(1).getPorts())).containsExactly("TCP/8081");
        assertThat(ingress.get(1).getFrom()).extracting(ForwarderNetworkPolicyDependentTest::namespaceOf)
                .containsExactly("sshtunnel-system");
    }

    @Test
    void noListeningForwardNoIngressButTheStatusPort() {
        NetworkPolicy policy = desired(WiredDependents.tunnel(remote("hook", 8443, "web.internal", 80)));
        assertThat(policy.getSpec().getIngress()).singleElement()
                .satisfies(rule -> assertThat(ports(rule.getPorts())).containsExactly("TCP/8081"));
    }

    @Test
    void egressToTheFirstHopDnsPodsAndRemoteTargets() {
        var service = remote("svc", 8446, null, 9090);
        service.getTarget().setService("web");
        SshTunnel tunnel = WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432), remote("hook", 8443, "10.1.2.3", 8080),
                remote("api", 8444, "10.1.2.3", 8081), remote("named", 8445, "web.internal", 80), service);
        List<NetworkPolicyEgressRule> egress = desired(tunnel).getSpec().getEgress();
        assertThat(egress).hasSize(5);
        // bastion.example.com is a name: the SSH port to any address (spec.networkPolicy.egressTo is empty).
        assertThat(egress.get(0).getTo()).isNull();
        assertThat(ports(egress.get(0).getPorts())).containsExactly("TCP/22");
        // DNS: the cluster DNS pods only.
        assertThat(egress.get(1).getTo()).singleElement().satisfies(peer -> {
            assertThat(peer.getNamespaceSelector().getMatchLabels()).isEqualTo(Map.of("kubernetes.io/metadata.name", "kube-system"));
            assertThat(peer.getPodSelector().getMatchLabels()).isEqualTo(Map.of("k8s-app", "kube-dns"));
        });
        assertThat(ports(egress.get(1).getPorts())).containsExactly("UDP/53", "TCP/53");
        // An IP-literal target: its ports to that address only, one rule for both forwards to it.
        assertThat(egress.get(2).getTo()).singleElement().satisfies(peer -> assertThat(peer.getIpBlock().getCidr()).isEqualTo("10.1.2.3/32"));
        assertThat(ports(egress.get(2).getPorts())).containsExactly("TCP/8080", "TCP/8081");
        assertThat(egress.get(3).getTo()).as("a named target: any address").isNull();
        assertThat(ports(egress.get(3).getPorts())).containsExactly("TCP/80");
        // A target.service: the tunnel's namespace, whatever the Service's address.
        assertThat(egress.get(4).getTo()).extracting(ForwarderNetworkPolicyDependentTest::namespaceOf).containsExactly("apps");
        assertThat(ports(egress.get(4).getPorts())).containsExactly("TCP/9090");
    }

    @Test
    void anIpLiteralBastionAndTheSpecsPeersNarrowTheRules() {
        SshTunnel tunnel = WiredDependents.tunnel(dynamic("socks", 1080), remote("named", 8445, "web.internal", 80));
        tunnel.getSpec().getSsh().setHost("192.0.2.10");
        NetworkPolicySpec spec = new NetworkPolicySpec();
        NetworkPolicyPeer clients = new NetworkPolicyPeerBuilder().withNewPodSelector().addToMatchLabels("role", "client")
                .endPodSelector().build();
        NetworkPolicyPeer egressTo = new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr("198.51.100.0/24").endIpBlock().build();
        spec.setIngressFrom(List.of(clients));
        spec.setEgressTo(List.of(egressTo));
        tunnel.getSpec().setNetworkPolicy(spec);
        NetworkPolicy policy = desired(tunnel);
        assertThat(policy.getSpec().getIngress().get(0).getFrom()).containsExactly(clients);
        assertThat(policy.getSpec().getEgress().get(0).getTo()).singleElement()
                .satisfies(peer -> assertThat(peer.getIpBlock().getCidr()).isEqualTo("192.0.2.10/32"));
        assertThat(policy.getSpec().getEgress().get(2).getTo()).as("a named Remote target: spec.networkPolicy.egressTo")
                .containsExactly(egressTo);
    }

    @Test
    void withAProxyTheFirstConnectionsRuleGoesToTheProxyNotTheServer() {
        SshTunnel tunnel = WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432));
        ProxySpec proxy = new ProxySpec();
        proxy.setType(ProxyType.HTTPConnect);
        proxy.setHost("192.0.2.80");
        proxy.setPort(3128);
        tunnel.getSpec().getSsh().setProxy(proxy);
        List<NetworkPolicyEgressRule> egress = desired(tunnel).getSpec().getEgress();
        assertThat(egress).hasSize(2);
        assertThat(egress.get(0).getTo()).singleElement()
                .satisfies(peer -> assertThat(peer.getIpBlock().getCidr()).isEqualTo("192.0.2.80/32"));
        assertThat(ports(egress.get(0).getPorts())).containsExactly("TCP/3128");
        assertThat(egress).noneSatisfy(rule -> assertThat(ports(rule.getPorts())).contains("TCP/22"));

        // A proxy by name: spec.networkPolicy.egressTo, as for a server by name.
        proxy.setHost("proxy.corp.example");
        NetworkPolicySpec spec = new NetworkPolicySpec();
        NetworkPolicyPeer corp = new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr("198.51.100.0/24").endIpBlock().build();
        spec.setEgressTo(List.of(corp));
        tunnel.getSpec().setNetworkPolicy(spec);
        assertThat(desired(tunnel).getSpec().getEgress().get(0).getTo()).containsExactly(corp);
    }

    @Test
    void metricsNamespacesMayReadTheStatusPortToo() {
        ForwarderNetworkPolicyDependent scraped = WiredDependents.networkPolicy(OperatorSettings.with(Map.of(
                "sshtunnel.network-policy.metrics-namespaces", "monitoring,sshtunnel-system")));
        SshTunnel tunnel = WiredDependents.tunnel(dynamic("socks", 1080));
        NetworkPolicy policy = scraped.desired(tunnel, ReconcileContext.of(tunnel));
        assertThat(policy.getSpec().getIngress().get(1).getFrom()).extracting(ForwarderNetworkPolicyDependentTest::namespaceOf)
                .containsExactly("sshtunnel-system", "monitoring");
    }

    /** Pods in a bastion's namespace: a peer without a namespace still means the tenant's namespace. */
    @Test
    void onAClusterBastionTheTenantsNamespaceMayConnect() {
        SshTunnel tunnel = WiredDependents.tenantTunnel(local("echo", 7000, "127.0.0.1", 7001));
        NetworkPolicy policy = dependent.desired(tunnel, WiredDependents.onEdge(tunnel));
        assertThat(policy.getMetadata().getNamespace()).isEqualTo(WiredDependents.PLATFORM);
        assertThat(policy.getMetadata().getOwnerReferences()).extracting(o -> o.getKind() + "/" + o.getName())
                .containsExactly("ClusterSshBastion/edge");
        assertThat(policy.getSpec().getIngress().get(0).getFrom()).singleElement().satisfies(peer -> {
            assertThat(namespaceOf(peer)).isEqualTo(WiredDependents.TENANT);
            assertThat(peer.getPodSelector().getMatchLabels()).isNullOrEmpty();
        });
    }

    private static List<String> ports(List<NetworkPolicyPort> ports) {
        return ports.stream().map(p -> p.getProtocol() + "/" + intOf(p.getPort())).toList();
    }

    private static int intOf(IntOrString port) {
        return port.getIntVal();
    }

    private static String namespaceOf(NetworkPolicyPeer peer) {
        return peer.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name");
    }
}
