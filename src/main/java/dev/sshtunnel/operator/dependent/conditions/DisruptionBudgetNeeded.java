package dev.sshtunnel.operator.dependent.conditions;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import dev.sshtunnel.operator.gate.SpecGate;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.quarkus.arc.Unremovable;

/**
 * A disruption budget exists only while more than one forwarder pod is wanted (not suspended,
 * replicas &gt; 1); with one pod a budget of maxUnavailable 1 protects nothing. Judged on a spec that
 * passes the {@link SpecGate}: while it fails, the budget of the running forwarder stays.
 */
@Singleton
@Unremovable // looked up by the operator extension, not injected
public class DisruptionBudgetNeeded implements Condition<PodDisruptionBudget, SshTunnel> {

    @Inject
    SpecGate gate;

    public static boolean replicated(SshTunnelSpec spec) {
        return !Boolean.TRUE.equals(spec.getSuspend()) && spec.effectiveReplicas() > 1;
    }

    @Override
    public boolean isMet(DependentResource<PodDisruptionBudget, SshTunnel> dependent, SshTunnel tunnel, Context<SshTunnel> context) {
        return replicated(tunnel.getSpec()) && gate.passes(tunnel, context);
    }
}
