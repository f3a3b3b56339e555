package dev.sshtunnel.operator.dependent;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.ServiceLoadBalancerReconciler;
import dev.sshtunnel.operator.loadbalancer.LoadBalancerTunnel;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * The SshTunnel serving a claimed LoadBalancer Service, in the Service's namespace and owned by it (the garbage collector
 * removes it with the Service); deleted when the Service stops being served (precondition LoadBalancerTunnelWanted).
 * Its informer sees only generated tunnels.
 */
@KubernetesDependent(informer = @Informer(labelSelector = LoadBalancerTunnel.SERVICE_LABEL,
        informerListLimit = ServiceLoadBalancerReconciler.LIST_PAGE))
public class LoadBalancerTunnelDependent extends CRUDKubernetesDependentResource<SshTunnel, Service> {

    /** Its name in ServiceLoadBalancerReconciler's workflow. */
    public static final String WORKFLOW_NAME = "load-balancer-tunnel";

    public LoadBalancerTunnelDependent() {
        super(SshTunnel.class);
    }

    @Override
    protected SshTunnel desired(Service service, Context<Service> context) {
        return LoadBalancerTunnel.desired(service, ServiceLoadBalancerReconciler.choice(service, context).bastion());
    }
}
