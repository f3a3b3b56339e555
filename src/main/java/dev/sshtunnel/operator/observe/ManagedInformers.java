package dev.sshtunnel.operator.observe;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.SshTunnelReconciler;
import dev.sshtunnel.operator.dependent.ForwarderLabels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/** An informer over objects the operator labelled as its own (pods, ReplicaSets), mapped back to their tunnel by label. */
final class ManagedInformers {

    private ManagedInformers() {
    }

    static <R extends HasMetadata> InformerEventSource<R, SshTunnel> of(Class<R> type, String name,
            EventSourceContext<SshTunnel> context) {
        var configuration = InformerEventSourceConfiguration.from(type, SshTunnel.class)
                .withName(name)
                .withLabelSelector(ForwarderLabels.MANAGED_SELECTOR)
                .withInformerListLimit(SshTunnelReconciler.LIST_PAGE)
                .withSecondaryToPrimaryMapper(ForwarderLabels::tunnelOf)
                .build();
        return new InformerEventSource<>(configuration, context);
    }
}
