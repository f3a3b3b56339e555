package dev.sshtunnel.operator.status;

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
 */
public record TunnelObservation(
        Optional<String> specProblem,
        Optional<String> missingSecret,
        Optional<Deployment> deployment,
        Optional<String> serviceName) {
}
