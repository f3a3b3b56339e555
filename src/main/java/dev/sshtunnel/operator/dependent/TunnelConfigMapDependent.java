package dev.sshtunnel.operator.dependent;

import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.SshTunnelReconciler;
import dev.sshtunnel.operator.tenancy.ResolvedTunnel;
import dev.sshtunnel.operator.tenancy.TunnelResolution;
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

/**
 * ConfigMap {@code <name>-tunnel} holding tunnel.yaml, the document the forwarder runs. Not a
 * Deleter, like the Deployment: while the spec is held back (ForwarderCanStart) the running pods
 * keep the document they were started with; owner references remove it with the SshTunnel.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ForwarderLabels.MANAGED_SELECTOR,
        informerListLimit = SshTunnelReconciler.LIST_PAGE))
public class TunnelConfigMapDependent extends KubernetesDependentResource<ConfigMap, SshTunnel>
        implements Creator<ConfigMap, SshTunnel>, Updater<ConfigMap, SshTunnel> {

    /** Its name in SshTunnelReconciler's workflow. */
    public static final String WORKFLOW_NAME = "tunnel-config";

    @Inject
    TunnelResolution resolution;

    public TunnelConfigMapDependent() {
        super(ConfigMap.class);
    }

    /** {@code rendered}: the tunnel as placed ({@link ResolvedTunnel#rendered()}). */
    public static String nameOf(SshTunnel rendered) {
        return rendered.getMetadata().getName() + "-tunnel";
    }

    @Override
    protected boolean addOwnerReference() {
        return true;
    }

    /** By labels, which also name the tunnel of a ConfigMap in a bastion's namespace. */
    @Override
    protected Optional<SecondaryToPrimaryMapper<ConfigMap>> getSecondaryToPrimaryMapper(EventSourceContext<SshTunnel> context) {
        return PlacedObjects.mapper(context);
    }

    /** Within the tunnel's namespace JOSDK's owner reference; across namespaces {@link PlacedObjects#metadata} ties it. */
    @Override
    protected void addReferenceHandlingMetadata(ConfigMap desired, SshTunnel primary) {
        if (PlacedObjects.ownedByTunnel(desired, primary)) {
            super.addReferenceHandlingMetadata(desired, primary);
        }
    }

    @Override
    protected ConfigMap desired(SshTunnel primary, Context<SshTunnel> context) {
        ResolvedTunnel resolved = resolution.of(primary, context);
        SshTunnel tunnel = resolved.rendered();
        return new ConfigMapBuilder()
                .withMetadata(PlacedObjects.metadata(resolved, nameOf(tunnel)))
                .withData(Map.of(TunnelDocument.FILE_NAME, TunnelDocument.render(tunnel)))
                .build();
    }
}
