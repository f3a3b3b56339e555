package dev.sshtunnel.operator.dependent;

import java.util.Map;
import java.util.Optional;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.ForwarderLabels;
import dev.sshtunnel.operator.SshTunnelReconciler;
import dev.sshtunnel.operator.TunnelDocument;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;

/**
 * ConfigMap {@code <name>-tunnel} holding tunnel.yaml, the document the forwarder runs. Not a
 * Deleter, like the Deployment: while the spec is held back (ForwarderCanStart) the running pods
 * keep the document they were started with; owner references remove it with the SshTunnel.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ForwarderLabels.MANAGED_SELECTOR,
        informerListLimit = SshTunnelReconciler.LIST_PAGE))
public class TunnelConfigMapDependent extends KubernetesDependentResource<ConfigMap, SshTunnel>
        implements Creator<ConfigMap, SshTunnel>, Updater<ConfigMap, SshTunnel> {

    public TunnelConfigMapDependent() {
        super(ConfigMap.class);
    }

    public static String nameOf(SshTunnel tunnel) {
        return tunnel.getMetadata().getName() + "-tunnel";
    }

    @Override
    protected boolean addOwnerReference() {
        return true;
    }

    /** JOSDK maps non-garbage-collected dependents by annotations; ours carry an owner reference instead. */
    @Override
    protected Optional<SecondaryToPrimaryMapper<ConfigMap>> getSecondaryToPrimaryMapper(EventSourceContext<SshTunnel> context) {
        return Optional.of(Mappers.fromOwnerReferences(SshTunnel.class, false));
    }

    @Override
    protected ConfigMap desired(SshTunnel tunnel, Context<SshTunnel> context) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                    .withName(nameOf(tunnel))
                    .withNamespace(tunnel.getMetadata().getNamespace())
                    .withLabels(ForwarderLabels.all(tunnel))
                .endMetadata()
                .withData(Map.of(TunnelDocument.FILE_NAME, TunnelDocument.render(tunnel)))
                .build();
    }
}
