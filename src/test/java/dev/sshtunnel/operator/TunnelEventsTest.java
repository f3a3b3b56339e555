package dev.sshtunnel.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/** Events against a CRUD API server: a repeated transition counts up instead of piling up. */
class TunnelEventsTest {

    private KubernetesMockServer server;
    private KubernetesClient client;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    private static SshTunnel tunnel(String uid) {
        SshTunnel tunnel = TunnelFixtures.tunnel("ns", "db", TunnelFixtures.local("pg", 5432, "db", 5432));
        tunnel.getMetadata().setUid(uid);
        return tunnel;
    }

    @Test
    void aFlappingTunnelKeepsOneEventPerTransitionWithACount() {
        TunnelEvents events = new TunnelEvents(client, clock);
        SshTunnel tunnel = tunnel("uid-1");
        events.readyChanged(tunnel, Reason.Connected, "SSH session is up");
        events.readyChanged(tunnel, Reason.Unreachable, "session lost");
        clock.advance(java.time.Duration.ofMinutes(1));
        events.readyChanged(tunnel, Reason.Connected, "SSH session is up");
        events.readyChanged(tunnel, Reason.Unreachable, "session lost");
        events.readyChanged(tunnel, Reason.Unreachable, "Connection refused");

        var recorded = client.v1().events().inNamespace("ns").list().getItems();
        assertThat(recorded).hasSize(3);
        Event connected = recorded.stream().filter(e -> e.getReason().equals("Connected")).findFirst().orElseThrow();
        assertThat(connected.getCount()).isEqualTo(2);
        assertThat(connected.getType()).isEqualTo("Normal");
        assertThat(connected.getFirstTimestamp()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(connected.getLastTimestamp()).isEqualTo("2026-01-01T00:01:00Z");
        assertThat(recorded.stream().filter(e -> e.getReason().equals("Unreachable")).map(Event::getCount))
                .containsExactlyInAnyOrder(2, 1);
        assertThat(recorded).allSatisfy(e -> assertThat(e.getInvolvedObject().getUid()).isEqualTo("uid-1"));
    }

    @Test
    void anotherTunnelWithTheSameNameGetsItsOwnEvents() {
        assertThat(TunnelEvents.nameOf(tunnel("uid-1"), Reason.Connected, "up"))
                .isNotEqualTo(TunnelEvents.nameOf(tunnel("uid-2"), Reason.Connected, "up"))
                .startsWith("db.");
    }
}
