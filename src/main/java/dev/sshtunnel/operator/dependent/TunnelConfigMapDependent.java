package dev.sshtunnel.operator.dependent;

import java.util.Map;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.ForwarderLabels;
import dev.sshtunnel.operator.TunnelDocument;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** ConfigMap {@code <name>-tunnel} holding tunnel.yaml, the document the forwarder runs. */
@KubernetesDependent(informer = @Informer(labelSelector = ForwarderLabels.MANAGED_SELECTOR))
public class TunnelConfigMapDependent extends CRUDKubernetesDependentResource<ConfigMap, SshTunnel> {

    public static String nameOf(SshTunnel tunnel) {
        return tunnel.getMetadata().getName() + "-tunnel";
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
