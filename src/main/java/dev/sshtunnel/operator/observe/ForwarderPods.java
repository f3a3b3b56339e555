package dev.sshtunnel.operator.observe;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.Pod;
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
        return ManagedInformers.of(Pod.class, EVENT_SOURCE, context);
    }
}
