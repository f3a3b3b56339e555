package dev.sshtunnel.operator.dependent;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.ForwarderLabels;
import dev.sshtunnel.operator.ForwarderReplicaSets;
import dev.sshtunnel.operator.PlacedForwarder;
import dev.sshtunnel.operator.SshTunnelReconciler;
import dev.sshtunnel.operator.tenancy.ResolvedTunnel;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * For a tunnel whose pods run in a bastion's namespace: the EndpointSlice of its selector-less Service in the tunnel's
 * namespace, listing the forwarder pods there, so {@code <tunnel>.<namespace>.svc} reaches them through plain cluster
 * DNS and kube-proxy. Kept from the pods' readiness as the endpoints controller would.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ForwarderLabels.MANAGED_SELECTOR,
        informerListLimit = SshTunnelReconciler.LIST_PAGE))
public class ForwarderEndpointsDependent extends KeptOnHeldBackSpec<EndpointSlice> {

    /** Kubernetes' own label linking a slice to its Service. */
    static final String SERVICE_NAME = "kubernetes.io/service-name";
    /** Tells the EndpointSlice controller (and readers) that this slice is ours, not its. */
    static final String MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
    static final String MANAGER = "sshtunnel.dev-operator";

    public ForwarderEndpointsDependent() {
        super(EndpointSlice.class);
    }

    @Override
    protected EndpointSlice desired(SshTunnel tunnel, Context<SshTunnel> context) {
        ResolvedTunnel resolved = resolution.of(tunnel, context);
        Map<String, String> labels = ForwarderLabels.all(tunnel);
        labels.put(SERVICE_NAME, tunnel.getMetadata().getName());
        labels.put(MANAGED_BY, MANAGER);
        List<Endpoint> endpoints = forwarderPods(resolved, context).stream()
                .filter(pod -> pod.getStatus() != null && pod.getStatus().getPodIP() != null)
                .sorted(Comparator.comparing(pod -> pod.getMetadata().getName()))
                .map(ForwarderEndpointsDependent::endpoint)
                .toList();
        String family = endpoints.stream().anyMatch(e -> e.getAddresses().get(0).contains(":")) ? "IPv6" : "IPv4";
        return new EndpointSliceBuilder()
                .withNewMetadata()
                    .withName(tunnel.getMetadata().getName())
                    .withNamespace(tunnel.getMetadata().getNamespace())
                    .withLabels(labels)
                .endMetadata()
                .withAddressType(family)
                .withEndpoints(endpoints.stream().filter(e -> family.equals("IPv6") == e.getAddresses().get(0).contains(":")).toList())
                .withPorts(resolved.rendered().getSpec().getForwards().stream()
                        .filter(ForwardSpec::listensInPod)
                        .map(f -> new EndpointPortBuilder().withName(f.getName()).withProtocol("TCP").withPort(f.getPort()).build())
                        .toList())
                .build();
    }

    /** The pods of the tunnel's Deployment where it runs now (its ReplicaSets', not any pod with its labels). */
    private static List<Pod> forwarderPods(ResolvedTunnel resolved, Context<SshTunnel> context) {
        var deployment = PlacedForwarder.deployment(resolved, context);
        Set<ReplicaSet> replicaSets = context.getSecondaryResources(ReplicaSet.class);
        Set<Pod> pods = context.getSecondaryResources(Pod.class);
        Set<String> names = ForwarderReplicaSets.deploymentPods(deployment, replicaSets, pods);
        String namespace = resolved.rendered().getMetadata().getNamespace();
        return pods.stream().filter(p -> namespace.equals(p.getMetadata().getNamespace()) && names.contains(p.getMetadata().getName()))
                .toList();
    }

    private static Endpoint endpoint(Pod pod) {
        boolean ready = pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        boolean terminating = pod.getMetadata().getDeletionTimestamp() != null;
        return new EndpointBuilder()
                .withAddresses(pod.getStatus().getPodIP())
                .withNewConditions().withReady(ready && !terminating).withServing(ready).withTerminating(terminating).endConditions()
                .withNodeName(pod.getSpec() == null ? null : pod.getSpec().getNodeName())
                .withNewTargetRef().withKind("Pod").withNamespace(pod.getMetadata().getNamespace())
                    .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).endTargetRef()
                .build();
    }
}
