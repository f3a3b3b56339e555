package dev.sshtunnel.operator.dependent;

import java.util.HashMap;
import java.util.Map;

import jakarta.inject.Inject;

import dev.sshtunnel.api.v1alpha1.ServiceSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.OperatorConfig;
import dev.sshtunnel.operator.SshTunnelReconciler;
import dev.sshtunnel.operator.tenancy.ResolvedTunnel;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * For a tunnel whose pods run in a bastion's namespace: Service {@code <name>} in the tunnel's namespace, an ExternalName
 * alias of the forwards' Service beside the pods, so clients keep using {@code <name>.<namespace>.svc} through plain
 * cluster DNS and kube-proxy. An alias rather than endpoints listing the pods: the operator writes nothing per pod, and
 * the pods' NetworkPolicy admits the tunnel's namespace, where the connections come from.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ForwarderLabels.MANAGED_SELECTOR,
        informerListLimit = SshTunnelReconciler.LIST_PAGE))
public class TenantServiceDependent extends KeptOnHeldBackSpec<Service> {

    /** Its name in SshTunnelReconciler's workflow. */
    public static final String WORKFLOW_NAME = "tenant-service";

    static final String EXTERNAL_NAME = "ExternalName";

    @Inject
    OperatorConfig config;

    public TenantServiceDependent() {
        super(Service.class);
    }

    /**
     * Only the alias itself: a tunnel in its own namespace has its forwards' Service under the same name, which
     * {@link ForwardsServiceDependent} keeps.
     */
    @Override
    protected void handleDelete(SshTunnel tunnel, Service secondary, Context<SshTunnel> context) {
        if (secondary != null && EXTERNAL_NAME.equals(secondary.getSpec().getType())) {
            super.handleDelete(tunnel, secondary, context);
        }
    }

    @Override
    protected Service desired(SshTunnel tunnel, Context<SshTunnel> context) {
        ResolvedTunnel resolved = resolution.of(tunnel, context);
        ServiceSpec serviceSpec = tunnel.getSpec().getService() == null ? new ServiceSpec() : tunnel.getSpec().getService();
        Map<String, String> labels = new HashMap<>(serviceSpec.getLabels());
        labels.putAll(ForwarderLabels.all(tunnel));
        return new ServiceBuilder()
                .withNewMetadata()
                    .withName(tunnel.getMetadata().getName())
                    .withNamespace(tunnel.getMetadata().getNamespace())
                    .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                    .withType(EXTERNAL_NAME)
                    .withExternalName(ResolvedTunnel.serviceHost(resolved.rendered().getMetadata().getName(),
                            resolved.rendered().getMetadata().getNamespace()) + "." + config.clusterDomain())
                    .withPorts(ForwardsServiceDependent.ports(resolved.rendered()))
                .endSpec()
                .build();
    }
}
