package dev.sshtunnel.operator.dependent.conditions;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.gate.SpecGate;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.quarkus.arc.Unremovable;

/**
 * The forwarder's ConfigMap and Deployment change only to a spec that passes the {@link SpecGate}:
 * pods without their key would hang in ContainerCreating, and a tunnel.yaml the running pods cannot
 * use would crash-loop them at their next restart. While it fails, both keep the last applied spec.
 */
@Singleton
@Unremovable // looked up by the operator extension, not injected
public class ForwarderCanStart implements Condition<Object, SshTunnel> {

    @Inject
    SpecGate gate;

    @Override
    public boolean isMet(DependentResource<Object, SshTunnel> dependent, SshTunnel tunnel, Context<SshTunnel> context) {
        return gate.passes(tunnel, context);
    }
}
