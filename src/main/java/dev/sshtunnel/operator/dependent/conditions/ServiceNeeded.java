package dev.sshtunnel.operator.dependent.conditions;

import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.SpecConsistency;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** A Service exists only while some forward listens in the pod (Local or Dynamic); Remote forwards listen on the SSH server. */
public class ServiceNeeded implements Condition<Service, SshTunnel> {

    public static boolean test(SshTunnel tunnel) {
        return tunnel.getSpec().getForwards().stream().anyMatch(f -> f.getType() != ForwardType.Remote)
                && SpecConsistency.problem(tunnel).isEmpty();
    }

    @Override
    public boolean isMet(DependentResource<Service, SshTunnel> dependent, SshTunnel tunnel, Context<SshTunnel> context) {
        return test(tunnel);
    }
}
