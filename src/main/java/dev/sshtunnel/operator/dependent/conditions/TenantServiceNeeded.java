package dev.sshtunnel.operator.dependent.conditions;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.gate.SpecGate;
import dev.sshtunnel.operator.tenancy.TunnelResolution;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.quarkus.arc.Unremovable;

/**
 * The tenant's alias Service exists only while the forwards' Service lives in a bastion's namespace; otherwise that
 * Service is the tenant's own. Judged on a spec that passes the {@link SpecGate}, like the Service it points at.
 */
@Singleton
@Unremovable // looked up by the operator extension, not injected
public class TenantServiceNeeded implements Condition<Service, SshTunnel> {

    @Inject
    SpecGate gate;

    @Inject
    TunnelResolution resolution;

    @Override
    public boolean isMet(DependentResource<Service, SshTunnel> dependent, SshTunnel tunnel, Context<SshTunnel> context) {
        var resolved = resolution.of(tunnel, context);
        return resolved.crossNamespace() && resolved.rendered().getSpec().listensInPod() && gate.passes(tunnel, context);
    }
}
