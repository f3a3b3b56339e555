package dev.sshtunnel.operator;

import java.util.Map;
import java.util.Optional;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.operator.status.SpecHeldBack;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;

/**
 * A failed reconcile as a user can act on it: which object the API server refused and its answer
 * (quota exceeded, forbidden, invalid). Only the API server's status message goes out, never the
 * exception's own text (request URL, stack) — and never anything of a Secret: the operator's objects
 * hold none.
 */
final class ApplyFailure {

    /** Workflow dependent name (SshTunnelReconciler) → the object it writes. */
    private static final Map<String, String> OBJECTS = Map.of(
            SshTunnelReconciler.CONFIG, "ConfigMap",
            SshTunnelReconciler.FORWARDER, "Deployment",
            SshTunnelReconciler.SERVICE, "Service",
            SshTunnelReconciler.NETWORK_POLICY, "NetworkPolicy");

    private ApplyFailure() {
    }

    static SpecHeldBack of(Exception failure) {
        String message;
        Optional<AggregatedOperatorException> workflow = inChain(failure, AggregatedOperatorException.class)
                .filter(e -> !e.getAggregatedExceptions().isEmpty());
        if (workflow.isPresent()) {
            var first = workflow.get().getAggregatedExceptions().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey()).findFirst().orElseThrow();
            message = "could not apply the forwarder " + OBJECTS.getOrDefault(first.getKey(), first.getKey()) + ": "
                    + cause(first.getValue());
        } else {
            message = "reconcile failed: " + cause(failure);
        }
        return new SpecHeldBack(Reason.ApplyFailed, message + "; retrying with backoff");
    }

    private static String cause(Throwable failure) {
        return inChain(failure, KubernetesClientException.class)
                .map(e -> (e.getStatus() != null && e.getStatus().getMessage() != null
                        ? UntrustedText.clean(e.getStatus().getMessage(), UntrustedText.MESSAGE)
                        : "the API server answered") + " (HTTP " + e.getCode() + ")")
                .orElse(failure.getClass().getSimpleName() + " (see the operator log)");
    }

    /** JOSDK wraps the workflow's exception, which wraps the client's: the first of the type in the cause chain. */
    private static <T extends Throwable> Optional<T> inChain(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return Optional.of(type.cast(t));
            }
        }
        return Optional.empty();
    }
}
