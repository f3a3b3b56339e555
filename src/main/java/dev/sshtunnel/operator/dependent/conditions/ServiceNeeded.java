package dev.sshtunnel.operator.dependent.conditions;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.gate.SpecGate;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.quarkus.arc.Unremovable;

/**
 * A Service exists only while some forward listens in the pod (Local or Dynamic); Remote forwards
 * listen on the SSH server. Judged on a spec that passes the {@link SpecGate}: while it fails, the
 * Service stays as it is (ForwardsServiceDependent does not delete it either).
 */
@Singleton
@Unremovable // looked up by the operator extension, not injected
public class ServiceNeeded implements Condition<Service, SshTunnel> {

    @Inject
    SpecGate gate;

    @Override
    public boolean isMet(DependentResource<Service, SshTunnel> dependent, SshTunnel tunnel, Context<SshTunnel> context) {
        return tunnel.getSpec().listensInPod() && gate.passes(tunnel, context);
    }
}
