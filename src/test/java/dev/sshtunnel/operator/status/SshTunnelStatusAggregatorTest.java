package dev.sshtunnel.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.HostKeySpec;
import dev.sshtunnel.api.v1alpha1.JumpHostSpec;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;
import dev.sshtunnel.api.v1alpha1.TargetSpec;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

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
        SshTunnelStatus status = aggregate(observation(Optional.empty()));

        assertCondition(status, "Ready", "False", "ForwarderUnavailable");
        assertCondition(status, "Connected", "Unknown", "ForwarderUnavailable");
        assertCondition(status, "ForwardsReady", "Unknown", "ForwarderUnavailable");
        assertThat(ready(status).getMessage()).contains("apps/warehouse").contains("0/1 pods ready");
        assertThat(status.getReadyForwards()).isEqualTo("0/2");
        assertThat(status.getObservedGeneration()).isEqualTo(3L);
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

        SshTunnelStatus status = aggregate(new TunnelObservation(Optional.empty(),
                Optional.of("Secret apps/bastion-key not found (referenced by spec.ssh.privateKeySecretRef)"),
                Optional.empty(), Optional.empty()));

        assertCondition(status, "Ready", "False", "SecretNotFound");
        assertThat(ready(status).getLastTransitionTime()).isEqualTo("2026-11-24T10:00:00Z");
        assertThat(ready(status).getMessage()).contains("bastion-key").contains("spec.ssh.privateKeySecretRef");
    }

    @Test
    void missingSecretIsReportedBeforeDeploymentState() {
        SshTunnelStatus status = aggregate(new TunnelObservation(Optional.empty(),
                Optional.of("Secret apps/bastion-key has no key \"id_ed25519\""), Optional.of(deployment(1)), Optional.empty()));

        assertCondition(status, "Ready", "False", "SecretNotFound");
        assertCondition(status, "Connected", "False", "SecretNotFound");
    }

    @Test
    void invalidSpecWinsOverEverything() {
        tunnel.getSpec().setSuspend(true);
        SshTunnelStatus status = aggregate(new TunnelObservation(Optional.of("spec.forwards[0].port 8081 is used"),
                Optional.of("Secret missing"), Optional.of(deployment(1)), Optional.empty()));

        assertCondition(status, "Ready", "False", "InvalidSpec");
        assertThat(ready(status).getMessage()).isEqualTo("spec.forwards[0].port 8081 is used");
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
                .containsExactly("Ready", "Connected", "ForwardsReady");
    }

    @Test
    void generationChangeIsObserved() {
        tunnel.setStatus(aggregate(observation(Optional.of(deployment(1)))));
        tunnel.getMetadata().setGeneration(4L);

        SshTunnelStatus status = aggregate(observation(Optional.of(deployment(1))));

        assertThat(status.getObservedGeneration()).isEqualTo(4L);
        assertThat(status.getConditions()).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(4L));
        assertThat(ready(status).getLastTransitionTime()).isEqualTo("2026-11-24T10:00:00Z");
    }

    private SshTunnelStatus aggregate(TunnelObservation observation) {
        return aggregator.aggregate(tunnel, observation);
    }

    private static TunnelObservation observation(Optional<Deployment> deployment) {
        return new TunnelObservation(Optional.empty(), Optional.empty(), deployment, Optional.of("warehouse"));
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

    private static SshTunnel tunnel() {
        SshTunnel tunnel = new SshTunnel();
        tunnel.setMetadata(new ObjectMetaBuilder().withName("warehouse").withNamespace("apps").withGeneration(3L).build());
        SshTunnelSpec spec = new SshTunnelSpec();
        SshSpec ssh = new SshSpec();
        ssh.setHost("bastion.example.com");
        ssh.setUser("tunnel");
        spec.setSsh(ssh);
        ForwardSpec postgres = new ForwardSpec();
        postgres.setName("postgres");
        postgres.setType(ForwardType.Local);
        postgres.setPort(5432);
        postgres.setTarget(new TargetSpec("db.internal", 5432));
        ForwardSpec proxy = new ForwardSpec();
        proxy.setName("proxy");
        proxy.setType(ForwardType.Dynamic);
        proxy.setPort(1080);
        spec.setForwards(List.of(postgres, proxy));
        tunnel.setSpec(spec);
        return tunnel;
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
