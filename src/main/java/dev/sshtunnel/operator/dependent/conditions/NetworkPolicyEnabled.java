package dev.sshtunnel.operator.dependent.conditions;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.gate.SpecGate;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.quarkus.arc.Unremovable;

/**
 * On unless spec.networkPolicy.enabled is false; turning it off deletes the policy. Judged on a spec
 * that passes the {@link SpecGate}: while it fails, the policy of the running forwarder stays.
 */
@Singleton
@Unremovable // looked up by the operator extension, not injected
public class NetworkPolicyEnabled implements Condition<NetworkPolicy, SshTunnel> {

    @Inject
    SpecGate gate;

    @Override
    public boolean isMet(DependentResource<NetworkPolicy, SshTunnel> dependent, SshTunnel tunnel, Context<SshTunnel> context) {
        return tunnel.getSpec().networkPolicyEnabled() && gate.passes(tunnel, context);
    }
}
