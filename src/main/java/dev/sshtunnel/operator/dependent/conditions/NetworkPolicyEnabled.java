package dev.sshtunnel.operator.dependent.conditions;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** On unless spec.networkPolicy.enabled is false; turning it off deletes the policy. */
public class NetworkPolicyEnabled implements Condition<NetworkPolicy, SshTunnel> {

    @Override
    public boolean isMet(DependentResource<NetworkPolicy, SshTunnel> dependent, SshTunnel tunnel, Context<SshTunnel> context) {
        var spec = tunnel.getSpec().getNetworkPolicy();
        return spec == null || !Boolean.FALSE.equals(spec.getEnabled());
    }
}
