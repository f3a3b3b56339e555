package dev.sshtunnel.operator.dependent;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ServiceSpec;
import dev.sshtunnel.api.v1alpha1.ServiceType;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.SshTunnelReconciler;
import dev.sshtunnel.operator.tenancy.ResolvedTunnel;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * Service with one named port per Local or Dynamic forward, beside the forwarder pods: {@code <name>} in the tunnel's
 * namespace, or its placed name in a bastion's namespace, where {@link TenantServiceDependent} points the tenant's
 * {@code <name>} at it.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ForwarderLabels.MANAGED_SELECTOR,
        informerListLimit = SshTunnelReconciler.LIST_PAGE))
public class ForwardsServiceDependent extends KeptOnHeldBackSpec<Service> {

    /** Its name in SshTunnelReconciler's workflow. */
    public static final String WORKFLOW_NAME = "service";

    public ForwardsServiceDependent() {
        super(Service.class);
    }

    @Override
    protected Service desired(SshTunnel primary, Context<SshTunnel> context) {
        ResolvedTunnel resolved = resolution.of(primary, context);
        SshTunnel tunnel = resolved.rendered();
        ServiceSpec serviceSpec = tunnel.getSpec().getService() == null ? new ServiceSpec() : tunnel.getSpec().getService();
        Map<String, String> labels = new HashMap<>(serviceSpec.getLabels());
        labels.putAll(resolved.labels());
        ServiceType type = serviceSpec.getType() == null ? ServiceType.ClusterIP : serviceSpec.getType();
        return new ServiceBuilder()
                .withMetadata(PlacedObjects.metadata(resolved, tunnel.getMetadata().getName()))
                .editMetadata()
                    .withLabels(labels)
                    .withAnnotations(new HashMap<>(serviceSpec.getAnnotations()))
                .endMetadata()
                .withNewSpec()
                    .withType(type.name())
                    .withSelector(ForwarderLabels.selector(tunnel))
                    .withPorts(ports(tunnel))
                .endSpec()
                .build();
    }

    static List<ServicePort> ports(SshTunnel tunnel) {
        return tunnel.getSpec().getForwards().stream()
                .filter(ForwardSpec::listensInPod)
                .map(f -> servicePort(f.getName(), f.getPort()))
                .toList();
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
