package dev.sshtunnel.operator.observe;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.SshTunnelReconciler;
import dev.sshtunnel.operator.dependent.ForwarderLabels;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/**
 * Watches forwarder pods (only those the operator labelled), so a pod that becomes ready or
 * unready triggers an immediate status refresh instead of waiting for the poll period.
 */
public final class ForwarderPods {

    public static final String EVENT_SOURCE = "forwarder-pods";

    private ForwarderPods() {
    }

    public static InformerEventSource<Pod, SshTunnel> eventSource(EventSourceContext<SshTunnel> context) {
        var configuration = InformerEventSourceConfiguration.from(Pod.class, SshTunnel.class)
                .withName(EVENT_SOURCE)
                .withLabelSelector(ForwarderLabels.MANAGED_SELECTOR)
                .withInformerListLimit(SshTunnelReconciler.LIST_PAGE)
                .withSecondaryToPrimaryMapper(ForwarderLabels::tunnelOf)
                .build();
        return new InformerEventSource<>(configuration, context);
    }
}
