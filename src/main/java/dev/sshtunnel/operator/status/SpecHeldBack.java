package dev.sshtunnel.operator.status;

import dev.sshtunnel.api.v1alpha1.Reason;

/**
 * Why the tunnel's current spec is not applied to its ConfigMap, Deployment and Service (a running
 * forwarder keeps the last applied one): the Ready reason when nothing runs yet, and the
 * SpecApplied condition's reason in any case.
 */
public record SpecHeldBack(Reason reason, String message) {
}
