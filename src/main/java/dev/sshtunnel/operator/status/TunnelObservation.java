package dev.sshtunnel.operator.status;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * What the operator saw of one tunnel's world in this reconcile; the aggregator turns it into
 * status without touching the API.
 *
 * @param heldBack    why the current spec is not applied (invalid, image not allowed, Secret
 *                    missing, the API server refused a write), if it is not
 * @param deployment  the forwarder Deployment, when it exists
 * @param runningSpec the spec in the forwarder's ConfigMap: what its pods were started with
 * @param serviceName the Service exposing the forwards, when one exists
 * @param reports     GET /status of each running forwarder pod of the Deployment's ReplicaSets that
 *                    answered, by pod name
 * @param currentPods the pods of the Deployment's current ReplicaSet, by name: only they have a say in
 *                    which host key AcceptNew pins
 */
public record TunnelObservation(
        Optional<SpecHeldBack> heldBack,
        Optional<Deployment> deployment,
        Optional<SshTunnelSpec> runningSpec,
        Optional<String> serviceName,
        List<ForwarderReport> reports,
        Set<String> currentPods) {

    public TunnelObservation {
        reports = List.copyOf(reports);
        currentPods = Set.copyOf(currentPods);
    }

    /** Before any forwarder answered. */
    public TunnelObservation(Optional<SpecHeldBack> heldBack, Optional<Deployment> deployment, Optional<String> serviceName) {
        this(heldBack, deployment, Optional.empty(), serviceName, List.of(), Set.of());
    }
}
