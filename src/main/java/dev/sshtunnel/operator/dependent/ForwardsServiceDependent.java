package dev.sshtunnel.operator.dependent;

import java.util.HashMap;
import java.util.Map;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ServiceSpec;
import dev.sshtunnel.api.v1alpha1.ServiceType;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.ForwarderLabels;
import dev.sshtunnel.operator.SshTunnelReconciler;
import dev.sshtunnel.operator.tenancy.ResolvedTunnel;
import dev.sshtunnel.operator.tenancy.TunnelResolution;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** Service {@code <name>} with one named port per Local or Dynamic forward. */
@KubernetesDependent(informer = @Informer(labelSelector = ForwarderLabels.MANAGED_SELECTOR,
        informerListLimit = SshTunnelReconciler.LIST_PAGE))
public class ForwardsServiceDependent extends KeptOnHeldBackSpec<Service> {

    public ForwardsServiceDependent() {
        super(Service.class);
    }

    @Override
    protected Service desired(SshTunnel tunnel, Context<SshTunnel> context) {
        ResolvedTunnel resolved = resolution.of(tunnel, context);
        ServiceSpec serviceSpec = tunnel.getSpec().getService() == null ? new ServiceSpec() : tunnel.getSpec().getService();
        Map<String, String> labels = new HashMap<>(serviceSpec.getLabels());
        labels.putAll(ForwarderLabels.all(tunnel));
        ServiceType type = serviceSpec.getType() == null ? ServiceType.ClusterIP : serviceSpec.getType();
        Service service = new ServiceBuilder()
                .withNewMetadata()
                    .withName(tunnel.getMetadata().getName())
                    .withNamespace(tunnel.getMetadata().getNamespace())
                    .withLabels(labels)
                    .withAnnotations(new HashMap<>(serviceSpec.getAnnotations()))
                .endMetadata()
                .withNewSpec()
                    .withType(type.name())
                    // Pods in a bastion's namespace cannot be selected from here: ForwarderEndpointsDependent lists them.
                    .withSelector(resolved.crossNamespace() ? null : ForwarderLabels.selector(tunnel))
                    .withPorts(tunnel.getSpec().getForwards().stream()
                            .filter(ForwardSpec::listensInPod)
                            .map(f -> servicePort(f.getName(), f.getPort()))
                            .toList())
                .endSpec()
                .build();
        return service;
    }

    /** The forwarder listens on the forward's own port; by number, so the pod template need not name it. */
    private static ServicePort servicePort(String name, int port) {
        return new ServicePortBuilder()
                .withName(name)
                .withProtocol("TCP")
                .withPort(port)
                .withTargetPort(new IntOrString(port))
                .build();
    }
}
