package dev.sshtunnel.operator.dependent;

import java.util.Map;
import java.util.Optional;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.operator.status.SpecHeldBack;
import dev.sshtunnel.untrusted.UntrustedText;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;

/**
 * A failed reconcile as a user can act on it: which object the API server refused and its answer
 * (quota exceeded, forbidden, invalid). Only the API server's status message goes out, never the
 * exception's own text (request URL, stack) — and never anything of a Secret: the operator's objects
 * hold none.
 */
public final class ApplyFailure {

    /** Workflow dependent name → the object it writes. */
    private static final Map<String, String> OBJECTS = Map.of(
            TunnelConfigMapDependent.WORKFLOW_NAME, "ConfigMap",
            ForwarderDeploymentDependent.WORKFLOW_NAME, "Deployment",
            ForwardsServiceDependent.WORKFLOW_NAME, "Service",
            ForwarderNetworkPolicyDependent.WORKFLOW_NAME, "NetworkPolicy",
            ForwarderDisruptionBudgetDependent.WORKFLOW_NAME, "PodDisruptionBudget");

    private ApplyFailure() {
    }

    /** The first dependent the workflow failed to write; empty when the failure was not a dependent's. */
    public static Optional<SpecHeldBack> of(Exception failure) {
        return inChain(failure, AggregatedOperatorException.class)
                .flatMap(workflow -> workflow.getAggregatedExceptions().entrySet().stream()
                        .sorted(Map.Entry.comparingByKey()).findFirst())
                .map(first -> new SpecHeldBack(Reason.ApplyFailed, "could not apply the forwarder "
                        + OBJECTS.getOrDefault(first.getKey(), first.getKey()) + ": " + cause(first.getValue())
                        + "; retrying with backoff"));
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
