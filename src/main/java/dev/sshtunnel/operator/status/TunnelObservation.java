package dev.sshtunnel.operator.status;

import java.util.List;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * What the operator saw of one tunnel's world in this reconcile; the aggregator turns it into
 * status without touching the API.
 *
 * @param specProblem   what the schema could not judge (InvalidSpec), if anything
 * @param missingSecret the first referenced Secret key that is missing or empty, if any
 * @param deployment    the forwarder Deployment, when it exists
 * @param serviceName   the Service exposing the forwards, when one exists
 * @param reports       GET /status of each running forwarder pod that answered, by pod name
 */
public record TunnelObservation(
        Optional<String> specProblem,
        Optional<String> missingSecret,
        Optional<Deployment> deployment,
        Optional<String> serviceName,
        List<ForwarderReport> reports) {

    public TunnelObservation {
        reports = List.copyOf(reports);
    }

    /** Before any forwarder answered. */
    public TunnelObservation(Optional<String> specProblem, Optional<String> missingSecret,
            Optional<Deployment> deployment, Optional<String> serviceName) {
        this(specProblem, missingSecret, deployment, serviceName, List.of());
    }
}
