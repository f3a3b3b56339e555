package dev.sshtunnel.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.AuditLog;
import dev.sshtunnel.testing.MutableClock;
import dev.sshtunnel.testing.RealCluster;
import dev.sshtunnel.testing.TunnelFixtures;
import dev.sshtunnel.untrusted.UntrustedText;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Events on the real API server, written as the operator's ServiceAccount (deploy/'s RBAC enforced):
 * a repeated transition counts up instead of piling up, and no request is refused.
 */
class TunnelEventsIT {

    private KubernetesClient client;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @BeforeEach
    void start() {
        RealCluster.namespace("ns");
        client = RealCluster.client(RealCluster.operatorToken());
    }

    @AfterEach
    void stop() {
        client.close();
    }

    private static SshTunnel tunnel(String uid) {
        SshTunnel tunnel = TunnelFixtures.tunnel("ns", "db", TunnelFixtures.local("pg", 5432, "db", 5432));
        tunnel.getMetadata().setUid(uid);
        return tunnel;
    }

    @Test
    void aFlappingTunnelKeepsOneEventPerTransitionWithACount() throws Exception {
        TunnelEvents events = new TunnelEvents(client, clock);
        SshTunnel tunnel = tunnel("uid-1");
        events.readyChanged(tunnel, java.util.Optional.empty(), Reason.Connected, "SSH session is up");
        events.readyChanged(tunnel, java.util.Optional.empty(), Reason.Unreachable, "session lost");
        clock.advance(java.time.Duration.ofMinutes(1));
        events.readyChanged(tunnel, java.util.Optional.empty(), Reason.Connected, "SSH session is up");
        events.readyChanged(tunnel, java.util.Optional.empty(), Reason.Unreachable, "session lost");
        events.readyChanged(tunnel, java.util.Optional.empty(), Reason.Unreachable, "Connection refused");

        var recorded = RealCluster.admin().v1().events().inNamespace("ns").list().getItems().stream()
                .filter(e -> e.getInvolvedObject().getUid().equals("uid-1")).toList();
        assertThat(recorded).hasSize(3);
        Event connected = recorded.stream().filter(e -> e.getReason().equals("Connected")).findFirst().orElseThrow();
        assertThat(connected.getCount()).isEqualTo(2);
        assertThat(connected.getType()).isEqualTo("Normal");
        assertThat(connected.getFirstTimestamp()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(connected.getLastTimestamp()).isEqualTo("2026-01-01T00:01:00Z");
        assertThat(recorded.stream().filter(e -> e.getReason().equals("Unreachable")).map(Event::getCount))
                .containsExactlyInAnyOrder(2, 1);
        assertThat(recorded).allSatisfy(e -> assertThat(e.getInvolvedObject().getUid()).isEqualTo("uid-1"));
        assertThat(AuditLog.read(RealCluster.logs().resolve("audit.log")).byOperator())
                .as("the operator's event writes, as the API server answered them")
                .isNotEmpty().allSatisfy(entry -> assertThat(entry.code()).as(entry.toString()).isNotEqualTo(403));
    }

    /** The Ready message repeats what a forwarder pod reported: the event stays one bounded line whatever it sent. */
    @Test
    void aMessageWithControlCharactersAndNoEndIsRecordedCleanAndCapped() {
        TunnelEvents events = new TunnelEvents(client, clock);
        events.readyChanged(tunnel("uid-3"), java.util.Optional.empty(), Reason.Unreachable,
                "SSH session: refused\r\nType: Normal\u001b[2J" + "x".repeat(100_000));

        Event recorded = RealCluster.admin().v1().events().inNamespace("ns").list().getItems().stream()
                .filter(e -> e.getInvolvedObject().getUid().equals("uid-3")).findFirst().orElseThrow();
        assertThat(recorded.getMessage()).startsWith("SSH session: refused  Type: Normal [2Jxxx")
                .hasSize(UntrustedText.EVENT_MESSAGE);
        assertThat(recorded.getMessage().chars()).noneMatch(Character::isISOControl);
    }

    /** A tunnel that is simply starting gets no Warning; one that loses its forwarder does. */
    @Test
    void startingIsNormalAndLosingTheForwarderIsAWarning() {
        TunnelEvents events = new TunnelEvents(client, clock);
        events.readyChanged(tunnel("uid-4"), java.util.Optional.empty(), Reason.ForwarderUnavailable, "waiting for pods");
        events.readyChanged(tunnel("uid-4"), java.util.Optional.of(Reason.Connected), Reason.ForwarderUnavailable, "pods gone");
        events.readyChanged(tunnel("uid-4"), java.util.Optional.of(Reason.ForwarderUnavailable), Reason.AuthenticationFailed,
                "key refused");

        var recorded = RealCluster.admin().v1().events().inNamespace("ns").list().getItems().stream()
                .filter(e -> e.getInvolvedObject().getUid().equals("uid-4"))
                .collect(java.util.stream.Collectors.toMap(Event::getMessage, Event::getType));
        assertThat(recorded).containsEntry("waiting for pods", "Normal").containsEntry("pods gone", "Warning")
                .containsEntry("key refused", "Warning");
    }

    @Test
    void anotherTunnelWithTheSameNameGetsItsOwnEvents() {
        assertThat(TunnelEvents.nameOf(tunnel("uid-1"), Reason.Connected, "up"))
                .isNotEqualTo(TunnelEvents.nameOf(tunnel("uid-2"), Reason.Connected, "up"))
                .startsWith("db.");
    }
}
