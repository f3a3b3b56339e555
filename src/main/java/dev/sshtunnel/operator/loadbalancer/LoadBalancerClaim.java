package dev.sshtunnel.operator.loadbalancer;

import java.util.List;
import java.util.Optional;

import dev.sshtunnel.api.v1alpha1.LoadBalancerSpec;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;

/**
 * Which Services the operator serves: {@code type: LoadBalancer} with {@code loadBalancerClass: sshtunnel.dev/ssh}, and
 * nothing else (another class, or none, belongs to MetalLB, the cloud or nobody). The one place that says so.
 */
public final class LoadBalancerClaim {

    private static final String LOAD_BALANCER = "LoadBalancer";
    private static final String TCP = "TCP";

    private LoadBalancerClaim() {
    }

    public static boolean claims(Service service) {
        return service != null && service.getSpec() != null && LOAD_BALANCER.equals(service.getSpec().getType())
                && LoadBalancerSpec.CLASS.equals(service.getSpec().getLoadBalancerClass());
    }

    /** What in a claimed Service no tunnel can serve: UDP and SCTP ports, more ports than a tunnel holds forwards. */
    public static Optional<Refusal> refusal(Service service) {
        List<ServicePort> ports = service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
        List<String> notTcp = ports.stream()
                .filter(p -> p.getProtocol() != null && !TCP.equals(p.getProtocol()))
                .map(p -> (p.getName() == null ? "" : p.getName() + " ") + p.getPort() + "/" + p.getProtocol())
                .toList();
        if (!notTcp.isEmpty()) {
            return Optional.of(new Refusal(Reason.ProtocolNotSupported, "port " + String.join(", ", notTcp)
                    + ": SSH forwards carry TCP only; remove the port or give the Service another loadBalancerClass"));
        }
        if (ports.size() > SshTunnelSpec.MAX_FORWARDS) {
            return Optional.of(new Refusal(Reason.InvalidSpec, ports.size() + " ports: one tunnel holds at most "
                    + SshTunnelSpec.MAX_FORWARDS + " forwards; split the Service"));
        }
        return Optional.empty();
    }

    /** Why a claimed Service is not served, in the project's reason taxonomy, with what to change. */
    public record Refusal(Reason reason, String message) {
    }
}
