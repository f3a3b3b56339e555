package dev.sshtunnel.operator.status;

import java.time.Clock;
import java.util.Optional;
import java.util.stream.IntStream;

import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.HostKeySpec;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshEndpoint;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * The one place that builds SshTunnel.status. Pure: the same tunnel and observation give the same
 * status, and conditions keep their lastTransitionTime while their value holds.
 */
public class SshTunnelStatusAggregator {

    private final Clock clock;

    public SshTunnelStatusAggregator(Clock clock) {
        this.clock = clock;
    }

    public SshTunnelStatus aggregate(SshTunnel tunnel, TunnelObservation observation) {
        SshTunnelStatus previous = tunnel.getStatus() == null ? new SshTunnelStatus() : tunnel.getStatus();
        long generation = tunnel.getMetadata().getGeneration() == null ? 0 : tunnel.getMetadata().getGeneration();
        int forwardCount = tunnel.getSpec().getForwards().size();

        Verdict verdict = verdict(tunnel, observation);
        ConditionList conditions = new ConditionList(previous.getConditions(), generation, clock.instant())
                .set(ConditionTypes.READY, verdict.ready ? ConditionList.TRUE : ConditionList.FALSE,
                        verdict.reason.name(), verdict.message)
                .set(ConditionTypes.CONNECTED, verdict.connected, verdict.reason.name(), verdict.message)
                .set(ConditionTypes.FORWARDS_READY, verdict.forwardsReady, verdict.reason.name(),
                        verdict.ready ? "all " + forwardCount + " forwards are active" : verdict.message);
        insecureHostKeyHop(tunnel).ifPresent(hop -> conditions.set(ConditionTypes.INSECURE_HOST_KEY, ConditionList.TRUE,
                "InsecurePolicy", hop + ".hostKey.policy is Insecure: any host key is accepted, so a man in the middle "
                        + "can read and change the traffic; list the key in knownHosts or fingerprints and use Strict"));

        SshTunnelStatus status = new SshTunnelStatus();
        status.setObservedGeneration(generation);
        status.setConditions(conditions.build());
        status.setReadyForwards((verdict.ready ? forwardCount : 0) + "/" + forwardCount);
        status.setServiceName(observation.serviceName().orElse(null));
        status.setReadyReplicas(observation.deployment().map(SshTunnelStatusAggregator::readyReplicas).orElse(0));
        return status;
    }

    /** Ready reason, message, and the Connected/ForwardsReady values that go with it. */
    private record Verdict(boolean ready, Reason reason, String message, String connected, String forwardsReady) {
        static Verdict notReady(Reason reason, String message, String connected) {
            return new Verdict(false, reason, message, connected, connected);
        }
    }

    private static Verdict verdict(SshTunnel tunnel, TunnelObservation observation) {
        if (observation.specProblem().isPresent()) {
            return Verdict.notReady(Reason.InvalidSpec, observation.specProblem().get(), ConditionList.FALSE);
        }
        if (Boolean.TRUE.equals(tunnel.getSpec().getSuspend())) {
            return Verdict.notReady(Reason.Suspended,
                    "spec.suspend is true: the forwarder is scaled to zero; set it to false to reconnect", ConditionList.FALSE);
        }
        if (observation.missingSecret().isPresent()) {
            return Verdict.notReady(Reason.SecretNotFound, observation.missingSecret().get(), ConditionList.FALSE);
        }
        String deploymentName = tunnel.getMetadata().getNamespace() + "/" + tunnel.getMetadata().getName();
        int wanted = tunnel.getSpec().getReplicas() == null ? 1 : tunnel.getSpec().getReplicas();
        if (wanted == 0) {
            return Verdict.notReady(Reason.Suspended, "spec.replicas is 0: no forwarder runs", ConditionList.FALSE);
        }
        int ready = observation.deployment().map(SshTunnelStatusAggregator::readyReplicas).orElse(0);
        if (observation.deployment().isEmpty() || ready == 0) {
            return Verdict.notReady(Reason.ForwarderUnavailable, "waiting for forwarder Deployment " + deploymentName
                    + ": " + ready + "/" + wanted + " pods ready (a pod is ready once its SSH session is up and every "
                    + "forward is active)", ConditionList.UNKNOWN);
        }
        SshEndpoint ssh = tunnel.getSpec().getSsh();
        int port = ssh.getPort() == null ? 22 : ssh.getPort();
        return new Verdict(true, Reason.Connected, "SSH session to " + ssh.getUser() + "@" + ssh.getHost() + ":" + port
                + " is up on " + ready + "/" + wanted + " forwarder pods", ConditionList.TRUE, ConditionList.TRUE);
    }

    private static int readyReplicas(Deployment deployment) {
        if (deployment.getStatus() == null || deployment.getStatus().getReadyReplicas() == null) {
            return 0;
        }
        return deployment.getStatus().getReadyReplicas();
    }

    /** The spec path of the first hop whose host key policy is Insecure. */
    private static Optional<String> insecureHostKeyHop(SshTunnel tunnel) {
        SshSpec ssh = tunnel.getSpec().getSsh();
        if (isInsecure(ssh)) {
            return Optional.of("spec.ssh");
        }
        return IntStream.range(0, ssh.getJumpHosts().size())
                .filter(i -> isInsecure(ssh.getJumpHosts().get(i)))
                .mapToObj(i -> "spec.ssh.jumpHosts[" + i + "]")
                .findFirst();
    }

    private static boolean isInsecure(SshEndpoint hop) {
        HostKeySpec hostKey = hop.getHostKey();
        return hostKey != null && hostKey.getPolicy() == HostKeyPolicy.Insecure;
    }
}
