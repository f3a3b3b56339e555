package dev.sshtunnel.operator.status;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.HostKeySpec;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.ServiceType;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;
import dev.sshtunnel.api.v1alpha1.SshEndpoint;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;

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
        Optional<SpecHeldBack> heldBack = observation.heldBack();
        // A held-back spec leaves a running forwarder on the last applied spec: Ready tells about that one.
        boolean keptRunning = heldBack.isPresent() && observation.deployment().isPresent();
        SshTunnelSpec spec = keptRunning ? observation.runningSpec().orElse(tunnel.getSpec()) : tunnel.getSpec();
        int forwardCount = spec.getForwards().size();

        LiveState live = LiveState.fold(spec.getForwards(), observation.reports());
        boolean reported = !observation.reports().isEmpty();
        AcceptedHostKey hostKey = AcceptedHostKey.judge(tunnel.getSpec(), previous, observation);
        Verdict judged = hostKey.disagreement() ? disagreement(spec.getSsh(), hostKey, verdict(tunnel, spec, observation, live))
                : verdict(tunnel, spec, observation, live);
        ForwardReachability reachability = ForwardReachability.of(spec.getForwards(), live.forwards);
        // A forward whose probe affects readiness takes its pods out of Ready: the tunnel says why, not just that
        // the pods are unavailable.
        Verdict verdict = reachability.failingAffectingReadiness().isEmpty() || !ConditionList.TRUE.equals(judged.connected) ? judged
                : new Verdict(false, Reason.TargetUnreachable, ForwardReachability.describe(reachability.failingAffectingReadiness())
                        + " (probe.affectsReadiness)", judged.connected, judged.forwardsReady);
        // Ready, Connected and ForwardsReady tell what the forwarders run: kubectl wait --for=condition=Ready
        // compares their observedGeneration with the spec's, so it returns once the new spec is live.
        boolean noneToRun = noneToRun(tunnel.getSpec(), observation);
        long verdictGeneration = noneToRun ? generation : runningGeneration(observation, generation);
        ConditionList conditions = new ConditionList(previous.getConditions(), generation, clock.instant())
                .set(ConditionTypes.READY, verdictGeneration, verdict.ready ? ConditionList.TRUE : ConditionList.FALSE,
                        verdict.reason.name(), verdict.message)
                .set(ConditionTypes.CONNECTED, verdictGeneration, verdict.connected, reasonFor(verdict.connected, verdict),
                        verdict.message)
                .set(ConditionTypes.FORWARDS_READY, verdictGeneration, verdict.forwardsReady,
                        reasonFor(verdict.forwardsReady, verdict),
                        verdict.ready ? "all " + forwardCount + " forwards are active" : verdict.message);
        if (reachability.probed()) {
            conditions.set(ConditionTypes.FORWARDS_REACHABLE, verdictGeneration, reachability.status(),
                    reachability.reason(Reason.TargetUnreachable.name()), reachability.message());
        }
        if (heldBack.isPresent()) {
            conditions.set(ConditionTypes.SPEC_APPLIED, ConditionList.FALSE, heldBack.get().reason().name(),
                    heldBack.get().message() + (keptRunning
                            ? "; the forwarder keeps running the last applied spec until this is fixed" : ""));
        } else {
            conditions.set(ConditionTypes.SPEC_APPLIED, ConditionList.TRUE, ConditionTypes.APPLIED,
                    "generation " + generation + " is applied to the forwarder's ConfigMap, Deployment and Service");
        }
        Long observed = observedGeneration(noneToRun, previous, observation, generation);
        // A held-back spec stalls the tunnel even while the forwarder keeps serving the last applied one.
        Optional<SpecHeldBack> heldBackFault = heldBack.filter(h -> h.reason().needsAction());
        // A forward that cannot reach its target is a fault GitOps tools show as degraded, not as progress.
        boolean unreachable = !reachability.failing().isEmpty();
        boolean stalled = heldBackFault.isPresent() || (!verdict.ready && verdict.reason.needsAction()) || unreachable;
        Reason stalledReason = heldBackFault.map(SpecHeldBack::reason)
                .orElse(!verdict.ready && verdict.reason.needsAction() || !unreachable ? verdict.reason : Reason.TargetUnreachable);
        String stalledMessage = heldBackFault.map(SpecHeldBack::message)
                .orElse(!verdict.ready && verdict.reason.needsAction() || !unreachable ? verdict.message : reachability.message());
        boolean behind = observed == null || observed != generation;
        boolean reconciling = !stalled && verdict.reason != Reason.Suspended && (!verdict.ready || behind);
        conditions.set(ConditionTypes.RECONCILING, reconciling ? ConditionList.TRUE : ConditionList.FALSE,
                verdict.reason.name(), reconciling && verdict.ready
                        ? "the forwarders do not run generation " + generation + " yet" : verdict.message);
        conditions.set(ConditionTypes.STALLED, stalled ? ConditionList.TRUE : ConditionList.FALSE, stalledReason.name(),
                stalledMessage);
        insecureHostKeyHop(spec.getSsh()).ifPresent(hop -> conditions.set(ConditionTypes.INSECURE_HOST_KEY, ConditionList.TRUE,
                "InsecurePolicy", hop + ".hostKey.policy is Insecure: any host key is accepted, so a man in the middle "
                        + "can read and change the traffic; list the key in knownHosts or fingerprints and use Strict"));

        namespaceOnlyIngress(tunnel.getMetadata().getNamespace(), spec).ifPresent(message -> conditions.set(
                ConditionTypes.EXTERNAL_TRAFFIC_BLOCKED, ConditionList.TRUE, "NamespaceOnlyIngress", message));

        SshTunnelStatus status = new SshTunnelStatus();
        status.setObservedGeneration(observed);
        status.setConditions(conditions.build());
        if (reported) {
            status.setSession(live.session);
            status.setSessions(live.sessions);
            status.setForwards(live.forwards);
            status.setReadyForwards(live.activeForwards() + "/" + forwardCount);
            status.setActiveChannels(live.activeChannels());
        } else {
            status.setReadyForwards((verdict.ready ? forwardCount : 0) + "/" + forwardCount);
        }
        status.setServiceName(observation.serviceName().orElse(null));
        status.setAuthorizedKeysOptions(AuthorizedKeysOptions.of(spec.getForwards()).orElse(null));
        status.setAcceptedHostKeyFingerprint(hostKey.pinned());
        status.setReadyReplicas(observation.deployment().map(SshTunnelStatusAggregator::readyReplicas).orElse(0));
        return status;
    }

    /**
     * The status with the channel counters of {@code reports} ({@link ChannelCounters}), folded as
     * {@link #aggregate} folds them, and nothing else changed: what is written between reconciles.
     */
    public SshTunnelStatus withCounters(SshTunnelStatus status, List<ForwarderReport> reports) {
        SshTunnelStatus next = Serialization.clone(status);
        LiveState.countInto(next, reports);
        return next;
    }

    /**
     * What GitOps tools read as "the rollout is done": the generation the forwarders run. The pods follow
     * the ConfigMap through their volume, so it moves once every answering pod reports this generation
     * — or at once when no forwarder is to run it (held back, suspended, scaled to zero), the verdict in
     * the conditions being about this generation then. Until then it stays where it was.
     */
    private static Long observedGeneration(boolean noneToRun, SshTunnelStatus previous, TunnelObservation observation,
            long generation) {
        boolean allRun = !observation.reports().isEmpty() && observation.reports().stream().allMatch(r -> r.runs(generation));
        return noneToRun || allRun ? Long.valueOf(generation) : previous.getObservedGeneration();
    }

    /** Held back, suspended or scaled to zero: no forwarder is to run the current generation. */

    private static boolean noneToRun(SshTunnelSpec spec, TunnelObservation observation) {
        return observation.heldBack().isPresent() || Boolean.TRUE.equals(spec.getSuspend()) || spec.effectiveReplicas() == 0;
    }

    /**
     * The oldest generation an answering pod runs (0 for a pod that does not say); with no answer yet the
     * verdict comes from the Deployment, which is the current generation's.
     */
    private static long runningGeneration(TunnelObservation observation, long generation) {
        return observation.reports().stream()
                .mapToLong(r -> r.status().generation() == null ? 0 : Math.min(r.status().generation(), generation))
                .min().orElse(generation);
    }

    /**
     * The pods of the current rollout saw different host keys while none is pinned: not Ready, and a
     * person has to find out which key is the server's (the fingerprints are public keys' hashes).
     */
    private static Verdict disagreement(SshEndpoint ssh, AcceptedHostKey hostKey, Verdict live) {
        return new Verdict(false, Reason.HostKeyDisagreement, "forwarder pods of the current rollout saw different host keys"
                + " for " + ssh.getHost() + ":" + ssh.effectivePort() + ": " + hostKey.keysSeen() + "; under policy AcceptNew"
                + " none is pinned, as one of them may be a man in the middle. Find the server's own key (ssh-keygen -lf"
                + " on its host key), list it in spec.ssh.hostKey.fingerprints with policy Strict, and delete the pods"
                + " that saw another", live.connected, live.forwardsReady);
    }

    /** A condition that holds says Connected; one that does not carries the Ready reason. */
    private static String reasonFor(String value, Verdict verdict) {
        return ConditionList.TRUE.equals(value) ? Reason.Connected.name() : verdict.reason.name();
    }

    /** Ready reason, message, and the Connected/ForwardsReady values that go with it. */
    private record Verdict(boolean ready, Reason reason, String message, String connected, String forwardsReady) {
        static Verdict notReady(Reason reason, String message, String connected) {
            return new Verdict(false, reason, message, connected, connected);
        }
    }

    /** Judged on {@code spec}: the tunnel's own, or the last applied one that still runs while it is held back. */
    private static Verdict verdict(SshTunnel tunnel, SshTunnelSpec spec, TunnelObservation observation, LiveState live) {
        // No server to describe: a tunnel whose bastion is gone has no spec.ssh of its own.
        if (observation.heldBack().isPresent() && (observation.deployment().isEmpty() || spec.getSsh() == null)) {
            SpecHeldBack heldBack = observation.heldBack().get();
            return Verdict.notReady(heldBack.reason(), heldBack.message(), ConditionList.FALSE);
        }
        if (Boolean.TRUE.equals(spec.getSuspend())) {
            return Verdict.notReady(Reason.Suspended,
                    "spec.suspend is true: the forwarder is scaled to zero; set it to false to reconnect", ConditionList.FALSE);
        }
        String deploymentName = tunnel.getMetadata().getNamespace() + "/" + tunnel.getMetadata().getName();
        int wanted = spec.effectiveReplicas();
        if (wanted == 0) {
            return Verdict.notReady(Reason.Suspended, "spec.replicas is 0: no forwarder runs", ConditionList.FALSE);
        }
        int ready = observation.deployment().map(SshTunnelStatusAggregator::readyReplicas).orElse(0);
        SshEndpoint ssh = spec.getSsh();
        String server = ssh.getUser() + "@" + ssh.getHost() + ":" + ssh.effectivePort();
        if (!observation.reports().isEmpty()) {
            return liveVerdict(server, live, ready, wanted);
        }
        if (observation.deployment().isEmpty() || ready == 0) {
            return Verdict.notReady(Reason.ForwarderUnavailable, "waiting for forwarder Deployment " + deploymentName
                    + ": " + ready + "/" + wanted + " pods ready (a pod is ready once its SSH session is up and every "
                    + "forward is active, or a Remote one standing by)", ConditionList.UNKNOWN);
        }
        return new Verdict(true, Reason.Connected, "SSH session to " + server
                + " is up on " + ready + "/" + wanted + " forwarder pods", ConditionList.TRUE, ConditionList.TRUE);
    }

    /** What the forwarders themselves report: the session first, then each forward. */
    private static Verdict liveVerdict(String server, LiveState live, int ready, int wanted) {
        if (!live.connected()) {
            SessionStatus session = live.session;
            String lastError = session == null ? null : session.getLastError();
            Reason reason = session == null || session.getReason() == null ? Reason.Connecting : session.getReason();
            String message = "SSH session to " + server + ": "
                    + (lastError == null || lastError.isBlank() ? "connecting" : lastError) + hint(reason);
            return Verdict.notReady(reason, message, ConditionList.FALSE);
        }
        Optional<ForwardStatus> inactive = live.firstInactive();
        if (inactive.isPresent()) {
            ForwardStatus forward = inactive.get();
            Reason reason = forward.getReason() == null ? Reason.Connecting : forward.getReason();
            String message = "forward " + forward.getName() + " is " + forward.getState()
                    + (forward.getLastError() == null || forward.getLastError().isBlank() ? "" : ": " + forward.getLastError())
                    + hint(reason);
            return new Verdict(false, reason, message, ConditionList.TRUE, ConditionList.FALSE);
        }
        String up = (live.sessions == null ? "SSH session to " + server + " is up"
                : live.sessions.stream().filter(s -> s.getState() == SessionState.Connected).count() + "/" + live.sessions.size()
                        + " SSH sessions to " + server + " are up")
                + (live.session.getServerVersion() == null ? "" : " (" + live.session.getServerVersion() + ")")
                + ", " + live.forwards.size() + "/" + live.forwards.size() + " forwards active";
        if (ready == 0) {
            // Kubernetes does not route to the pod (Service endpoints) until its readiness probe passes.
            return new Verdict(false, Reason.ForwarderUnavailable, up + ", waiting for a forwarder pod to pass its "
                    + "readiness probe (0/" + wanted + " pods ready)", ConditionList.TRUE, ConditionList.TRUE);
        }
        return new Verdict(true, Reason.Connected, up + " on " + ready + "/" + wanted + " forwarder pods",
                ConditionList.TRUE, ConditionList.TRUE);
    }

    /** What the user can do about a reason the forwarder reported. */
    private static String hint(Reason reason) {
        return switch (reason) {
            case Unreachable -> "; check spec.ssh.host and port, DNS and egress network policy";
            case AuthenticationFailed -> "; check spec.ssh.user and the key or password in the referenced Secret"
                    + " (and that its public key is in the server's authorized_keys)";
            case HostKeyMismatch -> "; the server presented a different host key than spec.ssh.hostKey lists: this may be a"
                    + " man-in-the-middle; if the key really changed, update knownHosts or fingerprints";
            case HostKeyUnknown -> "; add the server's key to spec.ssh.hostKey.knownHosts (ssh-keyscan -p PORT HOST)";
            case RemotePortInUse -> "; the server still holds the port (a stale session, or a replica that no longer reports);"
                    + " retrying until it is released";
            case ForwardRejected -> "; the server refused the forward: check AllowTcpForwarding/PermitOpen/PermitListen";
            default -> "";
        };
    }

    private static int readyReplicas(Deployment deployment) {
        if (deployment.getStatus() == null || deployment.getStatus().getReadyReplicas() == null) {
            return 0;
        }
        return deployment.getStatus().getReadyReplicas();
    }

    /** A Service meant for clients outside the cluster behind the default policy, which admits only the namespace's pods. */
    private static Optional<String> namespaceOnlyIngress(String namespace, SshTunnelSpec spec) {
        ServiceType type = spec.getService() == null ? null : spec.getService().getType();
        boolean external = type == ServiceType.NodePort || type == ServiceType.LoadBalancer;
        boolean defaultIngress = spec.getNetworkPolicy() == null || spec.getNetworkPolicy().getIngressFrom().isEmpty();
        if (!external || !defaultIngress || !spec.listensInPod() || !spec.networkPolicyEnabled()) {
            return Optional.empty();
        }
        return Optional.of("spec.service.type is " + type + ", but the tunnel's NetworkPolicy admits the forward ports only "
                + "from pods in namespace " + namespace + ": clients outside the cluster are dropped where the CNI enforces "
                + "policies; list them in spec.networkPolicy.ingressFrom (e.g. an ipBlock) or use a ClusterIP Service");
    }

    /** The spec path of the first hop whose host key policy is Insecure. */
    private static Optional<String> insecureHostKeyHop(SshSpec ssh) {
        if (ssh == null) {
            return Optional.empty();
        }
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
