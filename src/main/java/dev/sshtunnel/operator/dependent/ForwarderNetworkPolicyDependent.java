package dev.sshtunnel.operator.dependent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import dev.sshtunnel.api.forwarder.ForwarderStatus;
import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.NetworkPolicySpec;
import dev.sshtunnel.api.v1alpha1.ProxySpec;
import dev.sshtunnel.api.v1alpha1.SshEndpoint;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.OperatorConfig;
import dev.sshtunnel.operator.SshTunnelReconciler;
import dev.sshtunnel.operator.gate.IpLiteral;
import dev.sshtunnel.operator.tenancy.ResolvedTunnel;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * NetworkPolicy {@code <name>} for the forwarder pods. Ingress: the Local/Dynamic ports from the
 * tunnel's namespace (or spec.networkPolicy.ingressFrom) — a SOCKS proxy is never open to the
 * whole cluster by default — and the status port from the operator's namespace and the metrics scrapers'
 * (sshtunnel.network-policy.metrics-namespaces). Egress: the first
 * SSH hop's port (the proxy's with spec.ssh.proxy), DNS (cluster DNS pods only) and the ports of Remote forward targets (the forwarder
 * connects to those), each to its address where the spec writes one, else to spec.networkPolicy.egressTo.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ForwarderLabels.MANAGED_SELECTOR,
        informerListLimit = SshTunnelReconciler.LIST_PAGE))
public class ForwarderNetworkPolicyDependent extends KeptOnHeldBackSpec<NetworkPolicy> {

    /** Its name in SshTunnelReconciler's workflow. */
    public static final String WORKFLOW_NAME = "network-policy";

    @Inject
    OperatorConfig config;

    public ForwarderNetworkPolicyDependent() {
        super(NetworkPolicy.class);
    }

    @Override
    protected NetworkPolicy desired(SshTunnel primary, Context<SshTunnel> context) {
        ResolvedTunnel resolved = resolution.of(primary, context);
        SshTunnel tunnel = resolved.rendered();
        NetworkPolicySpec spec = tunnel.getSpec().getNetworkPolicy() == null ? new NetworkPolicySpec()
                : tunnel.getSpec().getNetworkPolicy();
        List<NetworkPolicyIngressRule> ingress = new ArrayList<>();
        List<NetworkPolicyPort> listening = tunnel.getSpec().getForwards().stream()
                .filter(ForwardSpec::listensInPod)
                .map(f -> tcp(f.getPort())).toList();
        if (!listening.isEmpty()) {
            List<NetworkPolicyPeer> from = spec.getIngressFrom().isEmpty()
                    ? List.of(new NetworkPolicyPeerBuilder().withNewPodSelector().endPodSelector().build())
                    : spec.getIngressFrom();
            if (resolved.crossNamespace()) {
                // The pods run in a bastion's namespace: a peer without a namespace means the tunnel's namespace.
                String tenant = primary.getMetadata().getNamespace();
                from = from.stream().map(peer -> peer.getIpBlock() != null || peer.getNamespaceSelector() != null ? peer
                        : new NetworkPolicyPeerBuilder(peer).withNamespaceSelector(namespace(tenant).getNamespaceSelector()).build())
                        .toList();
            }
            ingress.add(new NetworkPolicyIngressRuleBuilder().withFrom(from).withPorts(listening).build());
        }
        List<NetworkPolicyPeer> statusReaders = new ArrayList<>();
        statusReaders.add(namespace(config.operatorNamespace()));
        config.networkPolicy().metricsNamespaces().orElse(List.of()).stream()
                .filter(namespace -> !namespace.equals(config.operatorNamespace()))
                .forEach(namespace -> statusReaders.add(namespace(namespace)));
        ingress.add(new NetworkPolicyIngressRuleBuilder().withFrom(statusReaders).withPorts(tcp(ForwarderStatus.PORT)).build());

        List<NetworkPolicyEgressRule> egress = new ArrayList<>();
        ProxySpec proxy = tunnel.getSpec().getSsh().getProxy();
        if (proxy != null) {
            // The pod's first connection goes to the proxy; the SSH hops are the proxy's business.
            egress.add(egressRule(to(proxy.getHost(), spec), tcp(proxy.getPort())));
        } else {
            SshEndpoint firstHop = firstHop(tunnel.getSpec().getSsh());
            egress.add(egressRule(to(firstHop.getHost(), spec), tcp(firstHop.effectivePort())));
        }
        egress.add(egressRule(List.of(dnsPods()), port("UDP", 53), port("TCP", 53)));
        // Remote targets: one rule per destination, so an IP-literal target opens its port to that address only.
        Map<List<NetworkPolicyPeer>, Set<Integer>> remoteTargets = new LinkedHashMap<>();
        for (ForwardSpec forward : primary.getSpec().getForwards()) {
            if (forward.getType() == ForwardType.Remote && forward.getTarget() != null) {
                // A target.service is a Service of the tunnel's namespace: its pods are there, whatever its address.
                List<NetworkPolicyPeer> to = forward.getTarget().getService() != null
                        ? List.of(namespace(primary.getMetadata().getNamespace()))
                        : to(forward.getTarget().getHost(), spec);
                remoteTargets.computeIfAbsent(to, k -> new LinkedHashSet<>()).add(forward.getTarget().getPort());
            }
        }
        remoteTargets.forEach((to, ports) -> egress.add(egressRule(to, ports.stream().map(p -> tcp(p)).toArray(NetworkPolicyPort[]::new))));

        NetworkPolicy policy = new NetworkPolicyBuilder()
                .withMetadata(PlacedObjects.metadata(resolved, tunnel.getMetadata().getName()))
                .withNewSpec()
                    .withNewPodSelector().withMatchLabels(ForwarderLabels.selector(tunnel)).endPodSelector()
                    .withPolicyTypes("Ingress", "Egress")
                    .withIngress(ingress)
                    .withEgress(egress)
                .endSpec()
                .build();
        return policy;
    }

    private static SshEndpoint firstHop(SshSpec ssh) {
        return ssh.getJumpHosts().isEmpty() ? ssh : ssh.getJumpHosts().get(0);
    }

    /** An IP-literal host by itself; a name: spec.networkPolicy.egressTo (empty: any address). */
    private static List<NetworkPolicyPeer> to(String host, NetworkPolicySpec spec) {
        return IpLiteral.cidrOf(host)
                .map(cidr -> List.of(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(cidr).endIpBlock().build()))
                .orElse(spec.getEgressTo());
    }

    private static NetworkPolicyPeer namespace(String name) {
        return new NetworkPolicyPeerBuilder().withNewNamespaceSelector()
                .withMatchLabels(Map.of("kubernetes.io/metadata.name", name))
                .endNamespaceSelector().build();
    }

    private NetworkPolicyPeer dnsPods() {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String label : config.networkPolicy().dnsPodLabels()) {
            int eq = label.indexOf('=');
            labels.put(label.substring(0, eq).trim(), label.substring(eq + 1).trim());
        }
        return new NetworkPolicyPeerBuilder()
                .withNewNamespaceSelector()
                    .withMatchLabels(Map.of("kubernetes.io/metadata.name", config.networkPolicy().dnsNamespace()))
                .endNamespaceSelector()
                .withNewPodSelector().withMatchLabels(labels).endPodSelector()
                .build();
    }

    /** An empty {@code to} allows every address (NetworkPolicy semantics): written as no field at all. */
    private static NetworkPolicyEgressRule egressRule(List<NetworkPolicyPeer> to, NetworkPolicyPort... ports) {
        return new NetworkPolicyEgressRuleBuilder().withTo(to.isEmpty() ? null : to).withPorts(ports).build();
    }

    private static NetworkPolicyPort tcp(int port) {
        return port("TCP", port);
    }

    private static NetworkPolicyPort port(String protocol, int port) {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(new IntOrString(port)).build();
    }
}
