package dev.sshtunnel.operator.dependent.conditions;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import dev.sshtunnel.operator.SpecGate;
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

    public static boolean listens(SshTunnelSpec spec) {
        return spec.getForwards().stream().anyMatch(ForwardSpec::listensInPod);
    }

    @Override
    public boolean isMet(DependentResource<Service, SshTunnel> dependent, SshTunnel tunnel, Context<SshTunnel> context) {
        return listens(tunnel.getSpec()) && gate.passes(tunnel, context);
    }
}
