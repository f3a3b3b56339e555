package dev.sshtunnel.operator.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.forwarder.ForwarderStatus;
import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.HostKeySpec;
import dev.sshtunnel.api.v1alpha1.JumpHostSpec;
import dev.sshtunnel.api.v1alpha1.ProbeSpec;
import dev.sshtunnel.api.v1alpha1.ProbeState;
import dev.sshtunnel.api.v1alpha1.ProbeStatus;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;
import dev.sshtunnel.testing.MutableClock;
import dev.sshtunnel.testing.TunnelFixtures;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

class SshTunnelStatusAggregatorTest {

    private MutableClock clock;
    private SshTunnelStatusAggregator aggregator;
    private SshTunnel tunnel;

    @BeforeEach
    void setUp() {
        clock = new MutableClock(Instant.parse("2026-11-24T10:00:00Z"));
        aggregator = new SshTunnelStatusAggregator(clock);
        tunnel = tunnel();
    }

    @Test
    void newTunnelWithoutDeploymentWaitsForForwarder() {
        assertThat(aggregate(observation(Optional.empty())).getAuthorizedKeysOptions())
                .as("a Dynamic forward in the tunnel: no permitopen").isEqualTo("restrict,command=\"/bin/false\",port-forwarding");
        SshTunnelStatus status = aggregate(observation(Optional.empty()));

        assertCondition(status, "Ready", "False", "ForwarderUnavailable");
        assertCondition(status, "Connected", "Unknown", "ForwarderUnavailable");
        assertCondition(status, "ForwardsReady", "Unknown", "ForwarderUnavailable");
        assertThat(ready(status).getMessage()).contains("apps/warehouse").contains("0/1 pods ready");
        assertThat(status.getReadyForwards()).isEqualTo("0/2");
        assertThat(status.getObservedGeneration()).as("no forwarder runs generation 3 yet").isNull();
        assertThat(ready(status).getObservedGeneration()).isEqualTo(3L);
        assertThat(ready(status).getLastTransitionTime()).isEqualTo("2026-11-24T10:00:00Z");
    }

    @Test
    void readyPodMakesTunnelReady() {
        SshTunnelStatus status = aggregate(observation(Optional.of(deployment(1))));

        assertCondition(status, "Ready", "True", "Connected");
        assertCondition(status, "Connected", "True", "Connected");
        assertCondition(status, "ForwardsReady", "True", "Connected");
        assertThat(ready(status).getMessage()).contains("tunnel@bastion.example.com:22").contains("1/1");
        assertThat(status.getReadyForwards()).isEqualTo("2/2");
        assertThat(status.getReadyReplicas()).isEqualTo(1);
        assertThat(status.getServiceName()).isEqualTo("warehouse");
    }

    @Test
    void unchangedValueKeepsLastTransitionTime() {
        tunnel.setStatus(aggregate(observation(Optional.of(deployment(1)))));
        clock.advance(Duration.ofMinutes(5));

        SshTunnelStatus again = aggregate(observation(Optional.of(deployment(1))));

        assertThat(ready(again).getLastTransitionTime()).isEqualTo("2026-11-24T10:00:00Z");
        assertThat(again).isEqualTo(tunnel.getStatus());
    }

    @Test
    void lossOfReadyPodIsATransition() {
        tunnel.setStatus(aggregate(observation(Optional.of(deployment(1)))));
        clock.advance(Duration.ofMinutes(5));

        SshTunnelStatus lost = aggregate(observation(Optional.of(deployment(0))));

        assertCondition(lost, "Ready", "False", "ForwarderUnavailable");
        assertThat(ready(lost).getLastTransitionTime()).isEqualTo("2026-11-24T10:05:00Z");
        assertThat(lost.getReadyForwards()).isEqualTo("0/2");
    }

    @Test
    void newReasonWithSameValueKeepsLastTransitionTime() {
        tunnel.setStatus(aggregate(observation(Optional.empty())));
        clock.advance(Duration.ofMinutes(1));

        SshTunnelStatus status = aggregate(new TunnelObservation(Optional.of(new SpecHeldBack(Reason.SecretNotFound,
                "Secret apps/bastion-key not found (referenced by spec.ssh.privateKeySecretRef)")),
                Optional.empty(), Optional.empty()));

        assertCondition(status, "Ready", "False", "SecretNotFound");
        assertThat(ready(status).getLastTransitionTime()).isEqualTo("2026-11-24T10:00:00Z");
        assertThat(ready(status).getMessage()).contains("bastion-key").contains("spec.ssh.privateKeySecretRef");
    }

    @Test
    void aSpecHeldBackBeforeAnythingRunsIsTheReadyReason() {
        SshTunnelStatus status = aggregate(new TunnelObservation(Optional.of(new SpecHeldBack(Reason.SecretNotFound,
                "Secret apps/bastion-key has no key \"id_ed25519\"")), Optional.empty(), Optional.empty()));

        assertCondition(status, "Ready", "False", "SecretNotFound");
        assertCondition(status, "Connected", "False", "SecretNotFound");
        assertCondition(status, "SpecApplied", "False", "SecretNotFound");
    }

    @Test
    void invalidSpecWinsOverSuspendWhileNothingRuns() {
        tunnel.getSpec().setSuspend(true);
        SshTunnelStatus status = aggregate(new TunnelObservation(Optional.of(new SpecHeldBack(Reason.InvalidSpec,
                "spec.forwards[0].port 8081 is used")), Optional.empty(), Optional.empty()));

        assertCondition(status, "Ready", "False", "InvalidSpec");
        assertThat(ready(status).getMessage()).isEqualTo("spec.forwards[0].port 8081 is used");
    }

    /** An edit that cannot be applied leaves the forwarder on the last applied spec: Ready is about that forwarder. */
    @Test
    void aSpecHeldBackWhileAForwarderRunsLeavesReadyToTheRunningForwarder() {
        SshTunnelSpec running = Serialization.clone(tunnel.getSpec());
        running.setForwards(List.of(running.getForwards().get(0)));
        tunnel.getSpec().setSuspend(true); // part of the held-back edit: not applied, so not reported as Suspended
        TunnelObservation observation = new TunnelObservation(Optional.of(new SpecHeldBack(Reason.ImageNotAllowed,
                "spec.forwarder.image \"evil\" is not allowed")), Optional.of(deployment(1)), Optional.of(running),
                Optional.of("warehouse"), List.of(report("warehouse-1", session(SessionState.Connected, null),
                        forward("postgres", ForwardState.Active, 1, 1, 0, null))), Set.of("warehouse-1"));

        SshTunnelStatus status = aggregate(observation);

        assertCondition(status, "Ready", "True", "Connected");
        assertThat(status.getReadyForwards()).as("the running spec's forwards").isEqualTo("1/1");
        assertThat(status.getAuthorizedKeysOptions()).as("the running spec's forwards")
                .isEqualTo("restrict,command=\"/bin/false\",port-forwarding,permitopen=\"db.internal:5432\"");
        assertCondition(status, "SpecApplied", "False", "ImageNotAllowed");
        assertThat(find(status, "SpecApplied").getMessage()).startsWith("spec.forwarder.image \"evil\" is not allowed")
                .endsWith("the forwarder keeps running the last applied spec until this is fixed");
        assertThat(find(status, "SpecApplied").getObservedGeneration()).isEqualTo(3L);
        assertCondition(status, "Stalled", "True", "ImageNotAllowed"); // GitOps sees the refused edit as Failed
    }

    @Test
    void aSpecThatPassesIsApplied() {
        SshTunnelStatus status = aggregate(observation(Optional.of(deployment(1))));

        assertCondition(status, "SpecApplied", "True", "Applied");
        assertThat(find(status, "SpecApplied").getMessage()).contains("generation 3 is applied");
    }

    @Test
    void suspendedTunnelSaysSo() {
        tunnel.getSpec().setSuspend(true);
        SshTunnelStatus status = aggregate(observation(Optional.of(deployment(0))));

        assertCondition(status, "Ready", "False", "Suspended");
        assertThat(ready(status).getMessage()).contains("spec.suspend");
    }

    @Test
    void zeroReplicasIsSuspended() {
        tunnel.getSpec().setReplicas(0);
        SshTunnelStatus status = aggregate(observation(Optional.of(deployment(0))));

        assertCondition(status, "Ready", "False", "Suspended");
        assertThat(ready(status).getMessage()).contains("spec.replicas is 0");
    }

    @Test
    void insecureHostKeyOnAJumpHostIsAWarningCondition() {
        JumpHostSpec hop = new JumpHostSpec();
        hop.setHost("jump.example.com");
        hop.setUser("hop");
        HostKeySpec insecure = new HostKeySpec();
        insecure.setPolicy(HostKeyPolicy.Insecure);
        hop.setHostKey(insecure);
        tunnel.getSpec().getSsh().setJumpHosts(List.of(hop));

        SshTunnelStatus status = aggregate(observation(Optional.of(deployment(1))));

        assertCondition(status, "InsecureHostKey", "True", "InsecurePolicy");
        assertThat(find(status, "InsecureHostKey").getMessage()).startsWith("spec.ssh.jumpHosts[0].hostKey.policy is Insecure");
        assertCondition(status, "Ready", "True", "Connected");
    }

    @Test
    void strictHostKeyHasNoWarningCondition() {
        SshTunnelStatus status = aggregate(observation(Optional.of(deployment(1))));

        assertThat(status.getConditions()).extracting(Condition::getType)
                .containsExactly("Ready", "Connected", "ForwardsReady", "SpecApplied", "Reconciling", "Stalled");
    }

    /** kstatus (Flux) reads Reconciling and Stalled: progress is InProgress, a fault a person must fix is Failed. */
    @Test
    void reconcilingWhileOnTheWayStalledWhenAPersonMustAct() {
        SshTunnelStatus starting = aggregate(observation(Optional.empty()));
        assertCondition(starting, "Reconciling", "True", "ForwarderUnavailable");
        assertCondition(starting, "Stalled", "False", "ForwarderUnavailable");

        SshTunnelStatus up = aggregate(reports(Optional.of(deployment(1)), report("pod-a", session(SessionState.Connected, ""),
                forward("postgres", ForwardState.Active, 0, 0, 0, ""), forward("proxy", ForwardState.Active, 0, 0, 0, ""))));
        assertCondition(up, "Ready", "True", "Connected");
        assertCondition(up, "Reconciling", "False", "Connected");
        assertCondition(up, "Stalled", "False", "Connected");

        SshTunnelStatus behind = aggregate(reports(Optional.of(deployment(1)), report("pod-a", 2L, session(SessionState.Connected, ""),
                forward("postgres", ForwardState.Active, 0, 0, 0, ""), forward("proxy", ForwardState.Active, 0, 0, 0, ""))));
        assertCondition(behind, "Reconciling", "True", "Connected");
        assertThat(find(behind, "Reconciling").getMessage()).isEqualTo("the forwarders do not run generation 3 yet");

        SshTunnelStatus unreachable = aggregate(reports(Optional.of(deployment(0)),
                report("pod-a", session(SessionState.Connecting, Reason.Unreachable, "connection refused"))));
        assertCondition(unreachable, "Reconciling", "True", "Unreachable");
        assertCondition(unreachable, "Stalled", "False", "Unreachable");

        SshTunnelStatus mismatch = aggregate(reports(Optional.of(deployment(0)),
                report("pod-a", session(SessionState.Failed, Reason.HostKeyMismatch, "not the listed key"))));
        assertCondition(mismatch, "Reconciling", "False", "HostKeyMismatch");
        assertCondition(mismatch, "Stalled", "True", "HostKeyMismatch");
        assertThat(find(mismatch, "Stalled").getMessage()).contains("not the listed key");

        tunnel.getSpec().setSuspend(true);
        SshTunnelStatus suspended = aggregate(observation(Optional.of(deployment(0))));
        assertCondition(suspended, "Reconciling", "False", "Suspended");
        assertCondition(suspended, "Stalled", "False", "Suspended");
    }

    /** observedGeneration is the generation the forwarders run: it waits for every answering pod to take the new document. */
    @Test
    void generationIsObservedOnceEveryForwarderRunsIt() {
        SessionStatus up = session(SessionState.Connected, "");
        tunnel.setStatus(aggregate(reports(Optional.of(deployment(2)), report("pod-a", 3L, up), report("pod-b", 3L, up))));
        assertThat(tunnel.getStatus().getObservedGeneration()).isEqualTo(3L);
        tunnel.getMetadata().setGeneration(4L);

        SshTunnelStatus status = aggregate(reports(Optional.of(deployment(2)), report("pod-a", 4L, up), report("pod-b", 3L, up)));
        assertThat(status.getObservedGeneration()).as("pod-b still runs generation 3").isEqualTo(3L);
        assertThat(List.of(ready(status), find(status, "Connected"), find(status, "ForwardsReady")))
                .as("kubectl wait --for=condition=Ready must not return before pod-b runs generation 4")
                .allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(3L));
        assertThat(List.of(find(status, "SpecApplied"), find(status, "Reconciling"), find(status, "Stalled")))
                .as("the operator's own verdicts are about the spec").allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(4L));
        assertThat(find(status, "Reconciling").getStatus()).isEqualTo("True");

        status = aggregate(reports(Optional.of(deployment(2)), report("pod-a", 4L, up), report("pod-b", 4L, up)));
        assertThat(status.getObservedGeneration()).isEqualTo(4L);
        assertThat(status.getConditions()).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(4L));
        assertThat(ready(status).getLastTransitionTime()).isEqualTo("2026-11-24T10:00:00Z");

        tunnel.getMetadata().setGeneration(5L);
        tunnel.getSpec().setSuspend(true);
        assertThat(aggregate(observation(Optional.of(deployment(0)))).getObservedGeneration())
                .as("suspended: no forwarder is to run generation 5").isEqualTo(5L);
    }

    /** spec.ssh.sessions above 1: each session is in status, and Ready says how many are up. */
    @Test
    void severalSessionsAreEachReportedAndCounted() {
        SessionStatus first = session(SessionState.Connected, "");
        first.setActiveChannels(4);
        SessionStatus lost = session(SessionState.Disconnected, Reason.Unreachable, "session lost: connection closed");
        lost.setActiveChannels(0);
        ForwarderReport pod = new ForwarderReport("pod-a", new ForwarderStatus(3L, null, session(SessionState.Connected, ""), List.of(first, lost),
                List.of(forward("postgres", ForwardState.Active, 4, 4, 0, ""), forward("proxy", ForwardState.Active, 0, 0, 0, ""))));

        SshTunnelStatus status = aggregate(reports(Optional.of(deployment(1)), pod));

        assertCondition(status, "Ready", "True", "Connected");
        assertThat(ready(status).getMessage()).contains("1/2 SSH sessions to").contains("are up");
        assertThat(status.getSessions()).extracting(SessionStatus::getState, SessionStatus::getActiveChannels)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(SessionState.Connected, 4),
                        org.assertj.core.groups.Tuple.tuple(SessionState.Disconnected, 0));
        assertThat(aggregate(reports(Optional.of(deployment(1)), report("pod-a", session(SessionState.Connected, ""),
                forward("postgres", ForwardState.Active, 0, 0, 0, ""), forward("proxy", ForwardState.Active, 0, 0, 0, ""))))
                .getSessions()).as("one session: no list").isNull();
    }

    @Test
    void liveReportOfAConnectedSessionFillsSessionForwardsAndChannels() {
        SshTunnelStatus status = aggregate(reports(Optional.of(deployment(1)),
                report("pod-a", session(SessionState.Connected, ""),
                        forward("postgres", ForwardState.Active, 2, 10, 1, ""), forward("proxy", ForwardState.Active, 1, 4, 0, ""))));

        assertCondition(status, "Ready", "True", "Connected");
        assertThat(ready(status).getMessage()).contains("SSH-2.0-OpenSSH_9.2p1").contains("2/2 forwards active");
        assertThat(status.getReadyForwards()).isEqualTo("2/2");
        assertThat(status.getActiveChannels()).isEqualTo(3);
        assertThat(status.getSession().getServerVersion()).isEqualTo("SSH-2.0-OpenSSH_9.2p1");
        assertThat(status.getForwards()).extracting(ForwardStatus::getName, ForwardStatus::getTotalChannels,
                ForwardStatus::getFailedChannels).containsExactly(tuple("postgres", 10L, 1L), tuple("proxy", 4L, 0L));
    }

    @Test
    void sessionFailureReasonComesFromTheForwarder() {
        SshTunnelStatus status = aggregate(reports(Optional.of(deployment(0)),
                report("pod-a", session(SessionState.Failed, Reason.HostKeyMismatch, "server presented SHA256:abc"),
                        forward("postgres", ForwardState.Pending, 0, 0, 0, ""), forward("proxy", ForwardState.Pending, 0, 0, 0, ""))));

        assertCondition(status, "Ready", "False", "HostKeyMismatch");
        assertCondition(status, "Connected", "False", "HostKeyMismatch");
        assertThat(ready(status).getMessage()).contains("SHA256:abc").contains("man-in-the-middle");
        assertThat(status.getReadyForwards()).isEqualTo("0/2");
        assertThat(status.getSession().getReason()).isEqualTo(Reason.HostKeyMismatch);
    }

    /** The reason is the forwarder's typed field; the text of lastError is only shown, never read. */
    @Test
    void reasonIsTheTypedFieldNotTheTextOfLastError() {
        SessionStatus session = session(SessionState.Failed, "HostKeyMismatch: looks like a reason, is free text");
        session.setReason(Reason.AuthenticationFailed);
        SshTunnelStatus typed = aggregate(reports(Optional.of(deployment(0)), report("pod-a", session)));
        assertCondition(typed, "Ready", "False", "AuthenticationFailed");

        SshTunnelStatus untyped = aggregate(reports(Optional.of(deployment(0)),
                report("pod-a", session(SessionState.Failed, "HostKeyMismatch: no typed reason"))));
        assertCondition(untyped, "Ready", "False", "Connecting");
    }

    @Test
    void sessionWithoutErrorIsConnecting() {
        SshTunnelStatus status = aggregate(reports(Optional.of(deployment(0)),
                report("pod-a", session(SessionState.Connecting, null))));

        assertCondition(status, "Ready", "False", "Connecting");
        assertThat(status.getForwards()).allSatisfy(f -> assertThat(f.getState()).isEqualTo(ForwardState.Pending));
    }

    @Test
    void rejectedForwardKeepsConnectedTrue() {
        SshTunnelStatus status = aggregate(reports(Optional.of(deployment(0)),
                report("pod-a", session(SessionState.Connected, ""),
                        forward("postgres", ForwardState.Active, 0, 0, 0, ""),
                        forward("proxy", ForwardState.Failed, 0, 0, 0, Reason.RemotePortInUse, "port 8080 is held"))));

        assertCondition(status, "Ready", "False", "RemotePortInUse");
        assertCondition(status, "Connected", "True", "Connected");
        assertCondition(status, "ForwardsReady", "False", "RemotePortInUse");
        assertThat(ready(status).getMessage()).startsWith("forward proxy is Failed: RemotePortInUse");
        assertThat(status.getReadyForwards()).isEqualTo("1/2");
        assertThat(status.getForwards().get(1).getReason()).isEqualTo(Reason.RemotePortInUse);
    }

    @Test
    void forwardIsActiveOnlyWhenActiveOnEveryReplicaAndChannelsAreSummed() {
        tunnel.getSpec().setReplicas(2);
        SshTunnelStatus status = aggregate(reports(Optional.of(deployment(2)),
                report("pod-a", session(SessionState.Connected, ""),
                        forward("postgres", ForwardState.Active, 2, 5, 0, ""), forward("proxy", ForwardState.Active, 1, 1, 0, "")),
                report("pod-b", session(SessionState.Connected, ""),
                        forward("postgres", ForwardState.Active, 3, 7, 2, ""), forward("proxy", ForwardState.Pending, 0, 0, 0, ""))));

        assertThat(status.getReadyForwards()).isEqualTo("1/2");
        assertThat(status.getActiveChannels()).isEqualTo(6);
        assertThat(status.getForwards().get(0).getTotalChannels()).isEqualTo(12L);
        assertThat(status.getForwards().get(0).getFailedChannels()).isEqualTo(2L);
        assertCondition(status, "Ready", "False", "Connecting");
    }

    @Test
    void oneReplicaServingARemoteForwardAndOneOnStandbyIsReady() {
        withRemoteHooks(2);
        String standbyError = "standby: the server refused localhost:9000, held by another replica";
        SshTunnelStatus status = aggregate(reports(Optional.of(deployment(2)),
                report("pod-a", session(SessionState.Connected, ""), forward("postgres", ForwardState.Active, 1, 1, 0, ""),
                        bound(forward("hooks", ForwardState.Standby, 0, 0, 0, Reason.RemotePortInUse, standbyError), null)),
                report("pod-b", session(SessionState.Connected, ""), forward("postgres", ForwardState.Active, 0, 2, 0, ""),
                        bound(forward("hooks", ForwardState.Active, 2, 4, 0, ""), 9000))));

        assertCondition(status, "Ready", "True", "Connected");
        assertCondition(status, "ForwardsReady", "True", "Connected");
        assertThat(status.getReadyForwards()).isEqualTo("2/2");
        ForwardStatus hooks = status.getForwards().get(1);
        assertThat(hooks.getState()).isEqualTo(ForwardState.Active);
        assertThat(hooks.getServingPod()).isEqualTo("pod-b");
        assertThat(hooks.getBoundPort()).isEqualTo(9000);
        assertThat(hooks.getLastError()).as("a standby of a served forward is no error").isNullOrEmpty();
        assertThat(hooks.getReason()).as("a standby of a served forward is no error").isNull();
        assertThat(status.getForwards().get(0).getServingPod()).as("Local forwards are served by every pod").isNull();
    }

    @Test
    void remoteForwardOnStandbyEverywhereIsNotReady() {
        withRemoteHooks(2);
        String standbyError = "standby: the server refused localhost:9000, held by another replica";
        SshTunnelStatus status = aggregate(reports(Optional.of(deployment(2)),
                report("pod-a", session(SessionState.Connected, ""), forward("postgres", ForwardState.Active, 0, 0, 0, ""),
                        forward("hooks", ForwardState.Standby, 0, 0, 0, Reason.RemotePortInUse, standbyError)),
                report("pod-b", session(SessionState.Connected, ""), forward("postgres", ForwardState.Active, 0, 0, 0, ""),
                        forward("hooks", ForwardState.Standby, 0, 0, 0, Reason.RemotePortInUse, standbyError))));

        assertCondition(status, "Ready", "False", "RemotePortInUse");
        assertThat(ready(status).getMessage()).startsWith("forward hooks is Standby: RemotePortInUse");
        assertThat(status.getForwards().get(1).getServingPod()).isNull();
        assertThat(status.getReadyForwards()).isEqualTo("1/2");
    }

    @Test
    void remoteForwardServedButOtherReplicaFailedIsNotReady() {
        withRemoteHooks(2);
        SshTunnelStatus status = aggregate(reports(Optional.of(deployment(2)),
                report("pod-a", session(SessionState.Connected, ""), forward("postgres", ForwardState.Active, 0, 0, 0, ""),
                        forward("hooks", ForwardState.Active, 0, 0, 0, "")),
                report("pod-b", session(SessionState.Connected, ""), forward("postgres", ForwardState.Active, 0, 0, 0, ""),
                        forward("hooks", ForwardState.Failed, 0, 0, 0, Reason.ForwardRejected, "not permitted"))));

        assertCondition(status, "Ready", "False", "ForwardRejected");
        assertThat(status.getForwards().get(1).getServingPod()).isEqualTo("pod-a");
        assertThat(status.getForwards().get(1).getReason()).isEqualTo(Reason.ForwardRejected);
    }

    private void withRemoteHooks(int replicas) {
        tunnel.getSpec().setForwards(List.of(tunnel.getSpec().getForwards().get(0), TunnelFixtures.remote("hooks", 9000, "web", 80)));
        tunnel.getSpec().setReplicas(replicas);
    }

    private static ForwardStatus bound(ForwardStatus forward, Integer port) {
        forward.setBoundPort(port);
        return forward;
    }

    @Test
    void acceptNewRecordsTheFirstWellFormedKeyKeepsItAndDropsItWithThePolicy() {
        String first = "SHA256:" + "A".repeat(43);
        tunnel.getSpec().getSsh().setHostKey(new dev.sshtunnel.api.v1alpha1.HostKeySpec());
        tunnel.getSpec().getSsh().getHostKey().setPolicy(dev.sshtunnel.api.v1alpha1.HostKeyPolicy.AcceptNew);

        SessionStatus forged = session(SessionState.Connected, "");
        forged.setHostKeyFingerprint("SHA256:not a fingerprint\nInjected: yes");
        assertThat(aggregate(reports(Optional.of(deployment(1)), report("pod-a", forged))).getAcceptedHostKeyFingerprint())
                .as("text from a pod that is no fingerprint is not pinned").isNull();

        SessionStatus connected = session(SessionState.Connected, "");
        connected.setHostKeyFingerprint(first);
        tunnel.setStatus(aggregate(reports(Optional.of(deployment(1)), report("pod-a", connected))));
        assertThat(tunnel.getStatus().getAcceptedHostKeyFingerprint()).isEqualTo(first);

        SessionStatus other = session(SessionState.Failed, Reason.HostKeyMismatch, "another key");
        other.setHostKeyFingerprint("SHA256:" + "B".repeat(43));
        tunnel.setStatus(aggregate(reports(Optional.of(deployment(1)), report("pod-b", other))));
        assertThat(tunnel.getStatus().getAcceptedHostKeyFingerprint()).as("the first key stays").isEqualTo(first);

        tunnel.getSpec().getSsh().getHostKey().setPolicy(dev.sshtunnel.api.v1alpha1.HostKeyPolicy.Strict);
        assertThat(aggregate(reports(Optional.of(deployment(1)), report("pod-a", connected))).getAcceptedHostKeyFingerprint())
                .isNull();
    }

    @Test
    void acceptNewPinsAKeyOnlyWhenEveryPodOfTheCurrentReplicaSetSawIt() {
        String first = "SHA256:" + "A".repeat(43);
        String second = "SHA256:" + "B".repeat(43);
        tunnel.getSpec().getSsh().setHostKey(new HostKeySpec());
        tunnel.getSpec().getSsh().getHostKey().setPolicy(HostKeyPolicy.AcceptNew);

        SshTunnelStatus agreed = aggregate(current(Set.of("pod-a", "pod-b"), report("pod-a", connectedTo(first)),
                report("pod-b", connectedTo(first))));
        assertThat(agreed.getAcceptedHostKeyFingerprint()).isEqualTo(first);
        assertThat(ready(agreed).getReason()).isNotEqualTo("HostKeyDisagreement");

        SshTunnelStatus disagreed = aggregate(current(Set.of("pod-a", "pod-b"), report("pod-a", connectedTo(first)),
                report("pod-b", connectedTo(second))));
        assertThat(disagreed.getAcceptedHostKeyFingerprint()).as("no key is pinned on a disagreement").isNull();
        assertCondition(disagreed, "Ready", "False", "HostKeyDisagreement");
        assertCondition(disagreed, "Stalled", "True", "HostKeyDisagreement");
        assertThat(ready(disagreed).getMessage()).contains(first + " (pod-a)").contains(second + " (pod-b)")
                .contains("spec.ssh.hostKey.fingerprints");

        SshTunnelStatus strangerIgnored = aggregate(current(Set.of("pod-a"), report("pod-a", connectedTo(first)),
                report("impostor", connectedTo(second))));
        assertThat(strangerIgnored.getAcceptedHostKeyFingerprint())
                .as("a pod outside the current ReplicaSet has no say").isEqualTo(first);
        assertThat(aggregate(current(Set.of(), report("impostor", connectedTo(second)))).getAcceptedHostKeyFingerprint())
                .as("nor alone").isNull();

        SshTunnelStatus pooled = aggregate(current(Set.of("pod-a"), new ForwarderReport("pod-a", new ForwarderStatus(3L, null, connectedTo(first),
                List.of(connectedTo(first), connectedTo(second)), List.of()))));
        assertThat(pooled.getAcceptedHostKeyFingerprint()).as("every session of a pod has its say").isNull();
        assertCondition(pooled, "Ready", "False", "HostKeyDisagreement");

        tunnel.setStatus(agreed);
        assertThat(aggregate(current(Set.of("pod-a", "pod-b"), report("pod-a", connectedTo(first)),
                report("pod-b", connectedTo(second)))).getAcceptedHostKeyFingerprint())
                .as("a pinned key stays: pods run Strict against it").isEqualTo(first);
    }

    @Test
    void countersAloneAreWrittenIntoTheStatusAsItIs() {
        SshTunnelStatus status = aggregate(reports(Optional.of(deployment(1)), report("pod-a", session(SessionState.Connected, ""),
                forward("postgres", ForwardState.Active, 1, 10, 0, ""), forward("proxy", ForwardState.Active, 0, 0, 0, ""))));
        SshTunnelStatus counted = aggregator.withCounters(status, List.of(
                report("pod-a", session(SessionState.Connected, ""), forward("postgres", ForwardState.Active, 3, 25, 1, ""),
                        forward("proxy", ForwardState.Active, 0, 4, 0, "")),
                report("pod-b", session(SessionState.Connected, ""), forward("postgres", ForwardState.Active, 2, 5, 0, ""))));
        assertThat(counted.getForwards()).extracting(ForwardStatus::getName, ForwardStatus::getActiveChannels,
                ForwardStatus::getTotalChannels, ForwardStatus::getFailedChannels)
                .containsExactly(tuple("postgres", 5, 30L, 1L), tuple("proxy", 0, 4L, 0L));
        assertThat(counted.getActiveChannels()).isEqualTo(5);
        assertThat(StatusChange.between(status, counted)).isEqualTo(StatusChange.COUNTERS_ONLY);
        assertThat(status.getForwards().get(0).getTotalChannels()).as("the status given is left as it was").isEqualTo(10L);
    }

    private static SessionStatus connectedTo(String fingerprint) {
        SessionStatus session = session(SessionState.Connected, "");
        session.setHostKeyFingerprint(fingerprint);
        return session;
    }

    @Test
    void forwardsReachableIsAbsentWithoutProbesAndFollowsThemWithProbes() {
        SshTunnelStatus unprobed = aggregate(reports(Optional.of(deployment(1)), report("pod-a", session(SessionState.Connected, ""),
                forward("postgres", ForwardState.Active, 0, 0, 0, ""), forward("proxy", ForwardState.Active, 0, 0, 0, ""))));
        assertThat(unprobed.getConditions()).noneMatch(c -> c.getType().equals("ForwardsReachable"));

        tunnel.getSpec().getForwards().get(0).setProbe(new ProbeSpec());
        SshTunnelStatus waiting = aggregate(reports(Optional.of(deployment(1)), report("pod-a", session(SessionState.Connected, ""),
                probed(forward("postgres", ForwardState.Active, 0, 0, 0, ""), ProbeState.Unknown, 0, null),
                forward("proxy", ForwardState.Active, 0, 0, 0, ""))));
        assertCondition(waiting, "ForwardsReachable", "Unknown", "Probing");
        assertCondition(waiting, "Ready", "True", "Connected");

        SshTunnelStatus passing = aggregate(reports(Optional.of(deployment(1)), report("pod-a", session(SessionState.Connected, ""),
                probed(forward("postgres", ForwardState.Active, 0, 0, 0, ""), ProbeState.Passing, 0, null),
                forward("proxy", ForwardState.Active, 0, 0, 0, ""))));
        assertCondition(passing, "ForwardsReachable", "True", "Reachable");
        assertCondition(passing, "Stalled", "False", "Connected");
        assertThat(passing.getForwards().get(0).getProbe().getState()).isEqualTo(ProbeState.Passing);

        SshTunnelStatus failing = aggregate(reports(Optional.of(deployment(1)), report("pod-a", session(SessionState.Connected, ""),
                probed(forward("postgres", ForwardState.Active, 0, 0, 0, ""), ProbeState.Failing, 3, "connect refused\u001b[2J"),
                forward("proxy", ForwardState.Active, 0, 0, 0, ""))));
        assertCondition(failing, "ForwardsReachable", "False", "TargetUnreachable");
        assertThat(find(failing, "ForwardsReachable").getMessage()).contains("forward postgres").contains("3 probes failed in a row")
                .contains("connect refused").doesNotContain("\u001b");
        assertCondition(failing, "Ready", "True", "Connected");
        assertCondition(failing, "Stalled", "True", "TargetUnreachable");
        assertCondition(failing, "Reconciling", "False", "Connected");
        assertThat(failing.getForwards().get(0).getProbe().getMessage()).doesNotContain("\u001b");
    }

    @Test
    void aFailingProbeThatAffectsReadinessTakesReadyWithItsOwnReason() {
        ProbeSpec probe = new ProbeSpec();
        probe.setAffectsReadiness(true);
        tunnel.getSpec().getForwards().get(0).setProbe(probe);
        SshTunnelStatus failing = aggregate(reports(Optional.of(deployment(0)), report("pod-a", session(SessionState.Connected, ""),
                probed(forward("postgres", ForwardState.Active, 0, 0, 0, ""), ProbeState.Failing, 3, "timed out"),
                forward("proxy", ForwardState.Active, 0, 0, 0, ""))));
        assertCondition(failing, "Ready", "False", "TargetUnreachable");
        assertThat(ready(failing).getMessage()).contains("forward postgres").contains("timed out").contains("affectsReadiness");
    }

    @Test
    void theWorstProbeAmongThePodsIsTheForwards() {
        tunnel.getSpec().getForwards().get(0).setProbe(new ProbeSpec());
        SshTunnelStatus status = aggregate(reports(Optional.of(deployment(2)),
                report("pod-a", session(SessionState.Connected, ""), probed(forward("postgres", ForwardState.Active, 0, 0, 0, ""),
                        ProbeState.Passing, 0, null), forward("proxy", ForwardState.Active, 0, 0, 0, "")),
                report("pod-b", session(SessionState.Connected, ""), probed(forward("postgres", ForwardState.Active, 0, 0, 0, ""),
                        ProbeState.Failing, 4, "refused"), forward("proxy", ForwardState.Active, 0, 0, 0, ""))));
        assertThat(status.getForwards().get(0).getProbe().getState()).isEqualTo(ProbeState.Failing);
        assertThat(status.getForwards().get(0).getProbe().getConsecutiveFailures()).isEqualTo(4);
    }

    private static ForwardStatus probed(ForwardStatus forward, ProbeState state, int failures, String message) {
        ProbeStatus probe = new ProbeStatus();
        probe.setState(state);
        probe.setConsecutiveFailures(failures);
        probe.setMessage(message);
        forward.setProbe(probe);
        return forward;
    }

    private static TunnelObservation current(Set<String> currentPods, ForwarderReport... reports) {
        return new TunnelObservation(Optional.empty(), Optional.of(deployment(1)), Optional.empty(), Optional.of("warehouse"),
                List.of(reports), currentPods);
    }

    private static TunnelObservation reports(Optional<Deployment> deployment, ForwarderReport... reports) {
        // Every reporting pod is of the current ReplicaSet.
        return new TunnelObservation(Optional.empty(), deployment, Optional.empty(), Optional.of("warehouse"), List.of(reports),
                java.util.Arrays.stream(reports).map(ForwarderReport::podName).collect(java.util.stream.Collectors.toSet()));
    }

    private static ForwarderReport report(String pod, SessionStatus session, ForwardStatus... forwards) {
        return report(pod, 3L, session, forwards);
    }

    private static ForwarderReport report(String pod, long generation, SessionStatus session, ForwardStatus... forwards) {
        return new ForwarderReport(pod, new ForwarderStatus(generation, null, session, null, List.of(forwards)));
    }

    /** A session whose lastError the forwarder wrote for {@code reason}. */
    private static SessionStatus session(SessionState state, Reason reason, String message) {
        SessionStatus session = session(state, reason.lastError(message));
        session.setReason(reason);
        return session;
    }

    private static SessionStatus session(SessionState state, String lastError) {
        SessionStatus session = new SessionStatus();
        session.setState(state);
        session.setLastError(lastError);
        session.setServerVersion("SSH-2.0-OpenSSH_9.2p1");
        session.setReconnects(0L);
        return session;
    }

    /** A forward whose lastError the forwarder wrote for {@code reason}. */
    private static ForwardStatus forward(String name, ForwardState state, int active, long total, long failed, Reason reason,
            String message) {
        ForwardStatus forward = forward(name, state, active, total, failed, reason.lastError(message));
        forward.setReason(reason);
        return forward;
    }

    private static ForwardStatus forward(String name, ForwardState state, int active, long total, long failed, String lastError) {
        ForwardStatus forward = new ForwardStatus();
        forward.setName(name);
        forward.setState(state);
        forward.setActiveChannels(active);
        forward.setTotalChannels(total);
        forward.setFailedChannels(failed);
        forward.setLastError(lastError);
        return forward;
    }

    private SshTunnelStatus aggregate(TunnelObservation observation) {
        return aggregator.aggregate(tunnel, observation);
    }

    private static TunnelObservation observation(Optional<Deployment> deployment) {
        return new TunnelObservation(Optional.empty(), deployment, Optional.of("warehouse"));
    }

    private static Deployment deployment(int readyReplicas) {
        return new DeploymentBuilder().withNewMetadata().withName("warehouse").endMetadata()
                .withNewStatus().withReadyReplicas(readyReplicas).endStatus().build();
    }

    private static void assertCondition(SshTunnelStatus status, String type, String value, String reason) {
        Condition condition = find(status, type);
        assertThat(condition.getStatus()).as(type + " status").isEqualTo(value);
        assertThat(condition.getReason()).as(type + " reason").isEqualTo(reason);
    }

    private static Condition ready(SshTunnelStatus status) {
        return find(status, "Ready");
    }

    private static Condition find(SshTunnelStatus status, String type) {
        return status.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError("no condition " + type + " in " + status.getConditions()));
    }

    /** No port (the default applies), no credentials or host keys: the aggregator judges only what the pods report. */
    private static SshTunnel tunnel() {
        SshTunnel tunnel = TunnelFixtures.to("apps", "warehouse", "bastion.example.com", null, "tunnel",
                List.of(TunnelFixtures.local("postgres", 5432, "db.internal", 5432), TunnelFixtures.dynamic("proxy", 1080)));
        tunnel.getMetadata().setGeneration(3L);
        return tunnel;
    }
}
