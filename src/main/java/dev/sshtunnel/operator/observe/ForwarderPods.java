package dev.sshtunnel.operator.observe;

import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/**
 * Watches forwarder pods (only those the operator labelled), so a pod that becomes ready or
 * unready triggers an immediate status refresh instead of waiting for the poll period. The cache
 * holds metadata and status only: nothing in the operator reads a pod's spec.
 */
public final class ForwarderPods {

    public static final String EVENT_SOURCE = "forwarder-pods";

    private ForwarderPods() {
    }

    public static InformerEventSource<Pod, SshTunnel> eventSource(EventSourceContext<SshTunnel> context) {
        return ManagedInformers.of(Pod.class, EVENT_SOURCE, context,
                PartialReads.skipping(context.getClient().getConfiguration(), Map.of(Pod.class, WithoutSpec.class)),
                ForwarderPods::signature);
    }

    /** Its containers started and it is not being deleted. */
    public static boolean running(Pod pod) {
        return pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase()) && pod.getMetadata().getDeletionTimestamp() == null;
    }

    /** Running with an address: a forwarder whose /status can be asked. */
    static boolean answering(Pod pod) {
        return running(pod) && pod.getStatus().getPodIP() != null;
    }

    /** What of a pod its forwarder's report depends on: which pod, where, and whether Kubernetes calls it ready. */
    static String signature(Pod pod) {
        PodStatus status = pod.getStatus();
        String ready = status == null || status.getConditions() == null ? "" : status.getConditions().stream()
                .filter(c -> "Ready".equals(c.getType())).map(c -> c.getStatus()).findFirst().orElse("");
        return pod.getMetadata().getName() + "|" + (status == null ? "" : status.getPhase() + "|" + status.getPodIP() + "|" + ready)
                + "|" + (pod.getMetadata().getDeletionTimestamp() != null) + "|" + Objects.toString(pod.getMetadata().getOwnerReferences());
    }

    @JsonIgnoreProperties(value = "spec", ignoreUnknown = true)
    private abstract static class WithoutSpec {
    }
}
