package dev.sshtunnel.operator.observe;

import java.util.Objects;
import java.util.function.Function;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.SshTunnelReconciler;
import dev.sshtunnel.operator.dependent.ForwarderLabels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/**
 * An informer over objects the operator labelled as its own (pods, ReplicaSets), mapped back to their tunnel by label,
 * read through a client that keeps only what the operator reads of them. An update reconciles the tunnel only when
 * {@code signature} — what the operator reads of such an object — changed: the controllers' and the kubelet's other
 * status writes (a Pending pod's scheduling attempts, a ReplicaSet's replica counts) are no work for the operator.
 */
final class ManagedInformers {

    private ManagedInformers() {
    }

    static <R extends HasMetadata> InformerEventSource<R, SshTunnel> of(Class<R> type, String name,
            EventSourceContext<SshTunnel> context, KubernetesClient client, Function<R, Object> signature) {
        var configuration = InformerEventSourceConfiguration.from(type, SshTunnel.class)
                .withName(name)
                .withKubernetesClient(client)
                .withLabelSelector(ForwarderLabels.MANAGED_SELECTOR)
                .withInformerListLimit(SshTunnelReconciler.LIST_PAGE)
                .withSecondaryToPrimaryMapper(ForwarderLabels::tunnelOf)
                .withOnUpdateFilter((updated, old) -> !Objects.equals(signature.apply(updated), signature.apply(old)))
                .build();
        return new OwnClientInformer<>(configuration, context);
    }
}
