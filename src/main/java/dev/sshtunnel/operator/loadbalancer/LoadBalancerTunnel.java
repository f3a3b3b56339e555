package dev.sshtunnel.operator.loadbalancer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.BastionRef;
import dev.sshtunnel.api.v1alpha1.ClusterSshBastion;
import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import dev.sshtunnel.api.v1alpha1.TargetSpec;
import dev.sshtunnel.operator.dependent.ForwarderLabels;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;

/**
 * The SshTunnel that serves a claimed Service: one Remote forward per Service port, bound on the bastion's
 * loadBalancer.bindAddress at the Service's port and forwarded to the Service itself, held by two forwarder pods (the
 * second takes the port over when the first goes). A plain tenant tunnel in every other respect: the bastion's grant and
 * port ledger judge it, and its status says how it fares.
 */
public final class LoadBalancerTunnel {

    /** Marks a generated tunnel, valued with its Service's name; the dependent's informer selects on it. */
    public static final String SERVICE_LABEL = "sshtunnel.dev/load-balancer-service";
    /** One serving, one on standby: a Remote port moves to the standby within a second of the serving pod going. */
    public static final int REPLICAS = 2;
    private static final String SUFFIX = "-lb";

    private LoadBalancerTunnel() {
    }

    public static String nameOf(Service service) {
        return service.getMetadata().getName() + SUFFIX;
    }

    /** The forward serving a Service port: the port's name, or tcp-PORT for the unnamed port of a one-port Service. */
    public static String forwardName(ServicePort port) {
        return port.getName() == null || port.getName().isEmpty() ? "tcp-" + port.getPort() : port.getName();
    }

    public static SshTunnel desired(Service service, ClusterSshBastion bastion) {
        String bindAddress = bastion.getSpec().getLoadBalancer().effectiveBindAddress();
        List<ForwardSpec> forwards = new ArrayList<>();
        for (ServicePort port : service.getSpec().getPorts()) {
            ForwardSpec forward = new ForwardSpec();
            forward.setName(forwardName(port));
            forward.setType(ForwardType.Remote);
            forward.setBindAddress(bindAddress);
            forward.setPort(port.getPort());
            TargetSpec target = new TargetSpec();
            target.setService(service.getMetadata().getName());
            target.setPort(port.getPort());
            forward.setTarget(target);
            forwards.add(forward);
        }
        SshTunnelSpec spec = new SshTunnelSpec();
        spec.setBastionRef(new BastionRef(BastionKind.ClusterSshBastion, bastion.getMetadata().getName()));
        spec.setReplicas(REPLICAS);
        spec.setForwards(forwards);
        SshTunnel tunnel = new SshTunnel();
        ObjectMeta meta = new ObjectMeta();
        meta.setName(nameOf(service));
        meta.setNamespace(service.getMetadata().getNamespace());
        Map<String, String> labels = new HashMap<>();
        labels.put(ForwarderLabels.MANAGED_BY, ForwarderLabels.OPERATOR_NAME);
        labels.put(SERVICE_LABEL, service.getMetadata().getName());
        meta.setLabels(labels);
        tunnel.setMetadata(meta);
        tunnel.setSpec(spec);
        return tunnel;
    }
}
