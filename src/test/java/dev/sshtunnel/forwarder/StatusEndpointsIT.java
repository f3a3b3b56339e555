package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitForward;
import static dev.sshtunnel.forwarder.ForwarderHarness.awaitSession;
import static dev.sshtunnel.forwarder.ForwarderHarness.get;
import static dev.sshtunnel.forwarder.ForwarderHarness.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.TunnelFiles;

/** GET /status, health and metrics over real HTTP, as the operator and the kubelet read them. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatusEndpointsIT {

    @TempDir
    Path dir;

    private ForwarderProcess forwarder;

    @AfterEach
    void stop() {
        if (forwarder != null) {
            forwarder.close();
        }
    }

    @Test
    void statusHealthAndMetricsFollowTheSession() throws Exception {
        Path key = Keys.generate(dir, "id", "ed25519", false, "status-endpoints-passphrase");
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)));
                EchoServer echo = new EchoServer(EchoServer.Mode.ECHO)) {
            int local = Ports.free();
            TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                    .hostKey(sshd.knownHostsLine()).local("db", local, "127.0.0.1", echo.port()).dynamic("proxy", Ports.free());
            files.privateKey(files.ssh(), "bastion-key", key, "status-endpoints-passphrase");
            forwarder = ForwarderHarness.start(files);
            awaitForward(forwarder, "proxy", f -> f.getState() == ForwardState.Active);
            roundTrip(local, "hello".getBytes());

            var status = get(forwarder, "/status");
            assertThat(status.statusCode()).isEqualTo(200);
            JsonNode body = new ObjectMapper().readTree(status.body());
            assertThat(body.path("session").path("state").asText()).isEqualTo("Connected");
            assertThat(body.path("session").path("serverVersion").asText()).startsWith("SSH-2.0-OpenSSH");
            assertThat(body.path("session").path("hostKeyFingerprint").asText()).isEqualTo(sshd.hostKeyFingerprint());
            assertThat(body.path("session").path("cipher").asText()).isEqualTo("aes128-gcm@openssh.com");
            assertThat(body.path("session").path("connectedSince").asText()).isNotEmpty();
            assertThat(body.path("session").path("reconnects").asLong()).isZero();
            assertThat(body.path("forwards")).hasSize(2);
            JsonNode db = body.path("forwards").get(0);
            assertThat(db.path("name").asText()).isEqualTo("db");
            assertThat(db.path("type").asText()).isEqualTo("Local");
            assertThat(db.path("state").asText()).isEqualTo("Active");
            assertThat(db.path("port").asInt()).isEqualTo(local);
            assertThat(db.path("totalChannels").asLong()).isEqualTo(1);
            assertThat(db.has("activeChannels") && db.has("failedChannels") && db.has("lastError")).isTrue();

            assertThat(get(forwarder, "/q/health/ready").statusCode()).isEqualTo(200);
            assertThat(get(forwarder, "/q/health/live").statusCode()).isEqualTo(200);
            String metrics = get(forwarder, "/q/metrics").body();
            assertThat(metrics).contains("sshtunnel_session_up{namespace=\"default\",tunnel=\"test\"} 1")
                    .contains("sshtunnel_forward_channels_total{namespace=\"default\",tunnel=\"test\",forward=\"db\",type=\"Local\"} 1")
                    .contains("sshtunnel_forward_sent_bytes_total{namespace=\"default\",tunnel=\"test\",forward=\"db\",type=\"Local\"} 5");

            sshd.stop();
            awaitSession(forwarder, s -> s.getState() != SessionState.Connected, Duration.ofSeconds(10));
            var notReady = get(forwarder, "/q/health/ready");
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).contains("\"DOWN\"");
            assertThat(get(forwarder, "/q/health/live").statusCode()).isEqualTo(200);
            assertThat(get(forwarder, "/q/metrics").body()).contains("sshtunnel_session_up{namespace=\"default\",tunnel=\"test\"} 0");

            // Nothing the forwarder serves carries a secret.
            String everything = get(forwarder, "/status").body() + get(forwarder, "/q/metrics").body()
                    + get(forwarder, "/q/health/ready").body();
            assertThat(everything).doesNotContain("status-endpoints-passphrase").doesNotContain(Files.readString(key).substring(40, 80));
        }
    }
}
