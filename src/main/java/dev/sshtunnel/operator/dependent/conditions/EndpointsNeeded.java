package dev.sshtunnel.operator.dependent.conditions;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.SpecGate;
import dev.sshtunnel.operator.tenancy.TunnelResolution;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.quarkus.arc.Unremovable;

/**
 * The operator lists the endpoints of a tunnel's Service only when its pods run in a bastion's namespace, which a
 * Service selector cannot reach; otherwise the Service selects its pods and Kubernetes keeps the endpoints.
 */
@Singleton
@Unremovable // looked up by the operator extension, not injected
public class EndpointsNeeded implements Condition<EndpointSlice, SshTunnel> {

    @Inject
    SpecGate gate;

    @Inject
    TunnelResolution resolution;

    @Override
    public boolean isMet(DependentResource<EndpointSlice, SshTunnel> dependent, SshTunnel tunnel, Context<SshTunnel> context) {
        return ServiceNeeded.listens(resolution.of(tunnel, context).rendered().getSpec())
                && resolution.of(tunnel, context).crossNamespace() && gate.passes(tunnel, context);
    }
}
