package dev.sshtunnel.operator.dependent.conditions;

import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.ServiceLoadBalancerReconciler;
import dev.sshtunnel.operator.loadbalancer.LoadBalancerClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.quarkus.arc.Unremovable;

/**
 * A Service has its tunnel while it is claimed (type LoadBalancer, class sshtunnel.dev/ssh), its ports can be served and
 * a bastion serves it; otherwise the tunnel is deleted, and with it the ports on the server.
 */
@Singleton
@Unremovable // looked up by the operator extension, not injected
public class LoadBalancerTunnelWanted implements Condition<SshTunnel, Service> {

    @Override
    public boolean isMet(DependentResource<SshTunnel, Service> dependent, Service service, Context<Service> context) {
        return LoadBalancerClaim.claims(service) && service.getMetadata().getDeletionTimestamp() == null
                && ServiceLoadBalancerReconciler.refusal(service, context).isEmpty();
    }
}
