package dev.sshtunnel.operator.dependent.conditions;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.ReferencedSecrets;
import dev.sshtunnel.operator.SecretReferences;
import dev.sshtunnel.operator.SpecConsistency;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * The Deployment is only created or changed while the spec is consistent and every referenced
 * Secret key exists: pods without their key would hang in ContainerCreating, and a running
 * forwarder is better left alone than rolled into that state when a Secret disappears.
 */
public class ForwarderCanStart implements Condition<Deployment, SshTunnel> {

    @Override
    public boolean isMet(DependentResource<Deployment, SshTunnel> dependent, SshTunnel tunnel, Context<SshTunnel> context) {
        return SpecConsistency.problem(tunnel).isEmpty()
                && SecretReferences.of(tunnel)
                        .firstMissing(tunnel.getMetadata().getNamespace(), ReferencedSecrets.of(tunnel, context))
                        .isEmpty();
    }
}
