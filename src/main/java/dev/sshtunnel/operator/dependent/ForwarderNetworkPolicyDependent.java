package dev.sshtunnel.operator.dependent;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.NetworkPolicySpec;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.ForwarderLabels;
import dev.sshtunnel.operator.ForwarderPorts;
import dev.sshtunnel.operator.OperatorConfig;
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
import dev.sshtunnel.operator.SpecGate;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * NetworkPolicy {@code <name>} for the forwarder pods. Ingress: the Local/Dynamic ports from the
 * tunnel's namespace (or spec.networkPolicy.ingressFrom) — a SOCKS proxy is never open to the
 * whole cluster by default — and the status port from the operator's namespace. Egress: the first
 * SSH hop's port, DNS, and the ports of Remote forward targets (the forwarder connects to those).
 */
@KubernetesDependent(informer = @Informer(labelSelector = ForwarderLabels.MANAGED_SELECTOR))
public class ForwarderNetworkPolicyDependent extends CRUDKubernetesDependentResource<NetworkPolicy, SshTunnel> {

    @Inject
    OperatorConfig config;

    @Inject
    SpecGate gate;

    /**
     * Called when the precondition fails. Only a spec that passes the gate removes the NetworkPolicy (no
     * listening forward, or the policy turned off); an invalid edit leaves the running tunnel's in place.
     */
    @Override
    public void delete(SshTunnel tunnel, Context<SshTunnel> context) {
        if (gate.passes(tunnel, context)) {
            super.delete(tunnel, context);
        }
    }

    @Override
    protected NetworkPolicy desired(SshTunnel tunnel, Context<SshTunnel> context) {
        NetworkPolicySpec spec = tunnel.getSpec().getNetworkPolicy() == null ? new NetworkPolicySpec()
                : tunnel.getSpec().getNetworkPolicy();
        List<NetworkPolicyIngressRule> ingress = new ArrayList<>();
        List<NetworkPolicyPort> listening = tunnel.getSpec().getForwards().stream()
                .filter(f -> f.getType() != ForwardType.Remote)
                .map(f -> tcp(f.getPort())).toList();
        if (!listening.isEmpty()) {
            List<NetworkPolicyPeer> from = spec.getIngressFrom().isEmpty()
                    ? List.of(new NetworkPolicyPeerBuilder().withNewPodSelector().endPodSelector().build())
                    : spec.getIngressFrom();
            ingress.add(new NetworkPolicyIngressRuleBuilder().withFrom(from).withPorts(listening).build());
        }
        ingress.add(new NetworkPolicyIngressRuleBuilder()
                .withFrom(new NetworkPolicyPeerBuilder().withNewNamespaceSelector()
                        .withMatchLabels(Map.of("kubernetes.io/metadata.name", config.operatorNamespace()))
                        .endNamespaceSelector().build())
                .withPorts(tcp(ForwarderPorts.HTTP))
                .build());

        List<NetworkPolicyEgressRule> egress = new ArrayList<>();
        egress.add(new NetworkPolicyEgressRuleBuilder().withPorts(tcp(firstHopPort(tunnel.getSpec().getSsh()))).build());
        egress.add(new NetworkPolicyEgressRuleBuilder().withPorts(port("UDP", 53), port("TCP", 53)).build());
        Set<Integer> remoteTargets = new LinkedHashSet<>();
        for (ForwardSpec forward : tunnel.getSpec().getForwards()) {
            if (forward.getType() == ForwardType.Remote && forward.getTarget() != null) {
                remoteTargets.add(forward.getTarget().getPort());
            }
        }
        if (!remoteTargets.isEmpty()) {
            egress.add(new NetworkPolicyEgressRuleBuilder().withPorts(remoteTargets.stream().map(p -> tcp(p)).toList()).build());
        }

        NetworkPolicy policy = new NetworkPolicyBuilder()
                .withNewMetadata()
                    .withName(tunnel.getMetadata().getName())
                    .withNamespace(tunnel.getMetadata().getNamespace())
                    .withLabels(ForwarderLabels.all(tunnel))
                    .withAnnotations(new java.util.HashMap<>())
                .endMetadata()
                .withNewSpec()
                    .withNewPodSelector().withMatchLabels(ForwarderLabels.selector(tunnel)).endPodSelector()
                    .withPolicyTypes("Ingress", "Egress")
                    .withIngress(ingress)
                    .withEgress(egress)
                .endSpec()
                .build();
        return policy;
    }

    private static int firstHopPort(SshSpec ssh) {
        Integer port = ssh.getJumpHosts().isEmpty() ? ssh.getPort() : ssh.getJumpHosts().get(0).getPort();
        return port == null ? 22 : port;
    }

    private static NetworkPolicyPort tcp(int port) {
        return port("TCP", port);
    }

    private static NetworkPolicyPort port(String protocol, int port) {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(new IntOrString(port)).build();
    }
}
