package dev.sshtunnel.operator.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.sshtunnel.api.v1alpha1.LoadBalancerSpec;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.loadbalancer.LoadBalancerClaim.Refusal;
import dev.sshtunnel.untrusted.UntrustedText;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.PortStatus;
import io.fabric8.kubernetes.api.model.PortStatusBuilder;
import io.fabric8.kubernetes.api.model.Service;

/**
 * What a claimed Service's status says, computed once from the Service, its generated tunnel and why it is refused, if
 * it is: the bastion's address as {@code status.loadBalancer.ingress} while every forward is served, and the condition
 * {@value #CONDITION} with the tunnel's reason either way. A tunnel that stops being served for a reason that waiting
 * mends (its serving pod went and the standby takes the port over, a session reconnects) keeps the ingress for
 * {@code grace}, so that DNS controllers and clients reading it do not flap; a reason that needs action clears it at once.
 */
public final class LoadBalancerStatusAggregator {

    /** The Service condition the operator owns (a qualified type: other controllers write theirs beside it). */
    public static final String CONDITION = "sshtunnel.dev/TunnelReady";
    /** The ingress' ipMode: clients reach the server, which proxies to the pods; the Service's IP is not the client's. */
    static final String IP_MODE = "Proxy";

    private LoadBalancerStatusAggregator() {
    }

    /**
     * @param refusal why the Service is not served (its ports, its bastion), if it is not
     * @param tunnel the generated tunnel, once the informer has it
     */
    public static Desired of(Service service, Optional<Refusal> refusal, Optional<LoadBalancerSpec> loadBalancer,
            Optional<SshTunnel> tunnel, Instant now, Duration grace) {
        ConditionList conditions = new ConditionList(conditionOf(service).map(List::of).orElse(List.of()), generationOf(service), now);
        boolean served = false;
        Reason reason;
        String message;
        if (refusal.isPresent()) {
            reason = refusal.get().reason();
            message = refusal.get().message();
        } else if (tunnel.isEmpty()) {
            reason = Reason.Connecting;
            message = "creating its SshTunnel";
        } else {
            SshTunnel t = tunnel.get();
            Optional<Condition> ready = t.getStatus() == null ? Optional.empty() : ConditionList.find(t.getStatus().getConditions(), ConditionTypes.READY);
            boolean current = t.getStatus() != null && Objects.equals(t.getStatus().getObservedGeneration(), t.getMetadata().getGeneration());
            served = current && ready.filter(c -> ConditionList.TRUE.equals(c.getStatus())).isPresent();
            // An unknown reason (a newer operator wrote it) reads as Connecting.
            reason = ready.flatMap(c -> Reason.named(c.getReason())).orElse(Reason.Connecting);
            message = "SshTunnel " + t.getMetadata().getName() + ": "
                    + ready.map(Condition::getMessage).filter(m -> m != null && !m.isBlank()).orElse("starting");
        }
        message = UntrustedText.clean(message, UntrustedText.MESSAGE);
        conditions.set(CONDITION, served ? ConditionList.TRUE : ConditionList.FALSE, reason.name(), message);
        Condition condition = conditions.build().get(0);

        Optional<Duration> recheck = Optional.empty();
        boolean keep = served;
        if (!served && refusal.isEmpty() && !reason.needsAction() && !ingressOf(service).isEmpty() && loadBalancer.isPresent()) {
            Duration unserved = Duration.between(Instant.parse(condition.getLastTransitionTime()), now);
            if (unserved.compareTo(grace) < 0) {
                keep = true;
                recheck = Optional.of(grace.minus(unserved).plusSeconds(1));
            }
        }
        List<LoadBalancerIngress> ingress = keep && loadBalancer.isPresent() ? List.of(ingress(service, loadBalancer.get())) : List.of();
        return new Desired(ingress, reason, condition, recheck);
    }

    private static LoadBalancerIngress ingress(Service service, LoadBalancerSpec loadBalancer) {
        LoadBalancerIngressBuilder ingress = new LoadBalancerIngressBuilder();
        if (loadBalancer.externalAddressIsIp()) {
            ingress.withIp(loadBalancer.getExternalAddress()).withIpMode(IP_MODE);
        } else {
            ingress.withHostname(loadBalancer.getExternalAddress());
        }
        List<PortStatus> ports = new ArrayList<>();
        service.getSpec().getPorts().forEach(p -> ports.add(new PortStatusBuilder().withPort(p.getPort()).withProtocol("TCP").build()));
        return ingress.withPorts(ports).build();
    }

    /** The condition this operator owns in a Service's status, if it wrote one. */
    public static Optional<Condition> conditionOf(Service service) {
        return service.getStatus() == null ? Optional.empty() : ConditionList.find(service.getStatus().getConditions(), CONDITION);
    }

    private static List<LoadBalancerIngress> ingressOf(Service service) {
        return service.getStatus() == null || service.getStatus().getLoadBalancer() == null
                || service.getStatus().getLoadBalancer().getIngress() == null ? List.of() : service.getStatus().getLoadBalancer().getIngress();
    }

    private static long generationOf(Service service) {
        Long generation = service.getMetadata().getGeneration();
        return generation == null ? 0 : generation;
    }

    /**
     * The Service's status as the operator owns it: the ingress (empty: none) and its condition with its reason.
     * {@code recheck}: when to look again though nothing changed (the grace ending).
     */
    public record Desired(List<LoadBalancerIngress> ingress, Reason reason, Condition condition, Optional<Duration> recheck) {

        /** Whether the Service already says this (lastTransitionTime aside, which moves only with the status value). */
        public boolean matches(Service service) {
            return ingressOf(service).equals(ingress) && conditionOf(service).filter(c -> Objects.equals(c.getStatus(), condition.getStatus())
                    && Objects.equals(c.getReason(), condition.getReason()) && Objects.equals(c.getMessage(), condition.getMessage())
                    && Objects.equals(c.getObservedGeneration(), condition.getObservedGeneration())).isPresent();
        }
    }
}
