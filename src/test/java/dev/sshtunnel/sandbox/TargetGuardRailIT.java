package dev.sshtunnel.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.SandboxExtension;
import dev.sshtunnel.testing.SandboxProcess;
import dev.sshtunnel.testing.Socks5;
import dev.sshtunnel.testing.TunnelFixtures;

/**
 * The guard rail "Remote targets and SOCKS destinations" end to end: the packaged sandbox, its operator with the
 * production defaults of sshtunnel.guard-rails.* (the sandbox profile widens them, as everything there is loopback),
 * a forwarder pod that really runs, a real sshd. A Remote forward and a SOCKS request to 127.0.0.1 (an echo server
 * that counts its accepts) are refused without a connection, and the tunnel's status says TargetNotAllowed.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TargetGuardRailIT {

    private static final String DEFAULT_DENIED = "169.254.0.0/16,fd00:ec2::254/128,127.0.0.0/8,::1/128";

    @RegisterExtension
    final SandboxExtension sandboxes = new SandboxExtension();

    private SandboxProcess sandbox;

    @Test
    void aDeniedRemoteTargetAndSocksDestinationAreRefusedAndTheTunnelSaysTargetNotAllowed() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer target = sandboxes.echo();
        // Profile-specific variables beat the sandbox profile's own lines in application.properties.
        sandbox = sandboxes.start("sandbox", Map.of(
                "_SANDBOX_SSHTUNNEL_GUARD_RAILS_DENIED_TARGETS", DEFAULT_DENIED,
                "_SANDBOX_SSHTUNNEL_GUARD_RAILS_DENY_API_SERVER", "true"));
        Kubectl kubectl = sandbox.kubectl();

        String secret = kubectl.run("create", "secret", "generic", "bastion-key", "--from-file=id_ed25519=" + key,
                "--dry-run=client", "-o", "yaml");
        kubectl.attempt(secret, "apply", "-f", "-");
        int socksPort = Ports.free();
        int remotePort = Ports.free();
        SshTunnel hooks = TunnelFixtures.through(sshd, "hooks", TunnelFixtures.dynamic("socks", socksPort),
                TunnelFixtures.remote("back", "127.0.0.1", remotePort, "127.0.0.1", target.port()));
        hooks.getMetadata().setNamespace("default");
        String manifest = TunnelFixtures.yaml(hooks);
        assertThat(kubectl.attempt(manifest, "apply", "-f", "-").out()).contains("created");
        assertThat(kubectl.run("wait", "--for=condition=Ready", "sshtunnel/hooks", "--timeout=90s"))
                .as(this::log).contains("condition met");

        // The pod runs with the operator's settings and the API server's addresses (its ClusterIP here).
        String args = kubectl.run("get", "deployment", "hooks", "-o", "jsonpath={.spec.template.spec.containers[0].args}");
        String clusterIp = kubectl.run("get", "service", "kubernetes", "-n", "default", "-o", "jsonpath={.spec.clusterIP}");
        assertThat(args).contains("--denied-targets=" + DEFAULT_DENIED).contains("--api-server-targets=" + clusterIp);

        await().atMost(Duration.ofSeconds(30)).until(() -> Ports.accepts("127.0.0.1", remotePort));
        try (Socket remote = new Socket("127.0.0.1", remotePort)) {
            remote.setSoTimeout(10_000);
            remote.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(readOrEnd(remote)).as("the server closes the refused connection").isEqualTo(-1);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Ports.accepts("127.0.0.1", socksPort));
        try (Socket socks = new Socket("127.0.0.1", socksPort)) {
            socks.setSoTimeout(10_000);
            assertThat(Socks5.connect(socks, Socks5.IPV4, new byte[] {127, 0, 0, 1}, target.port()))
                    .as("SOCKS5 REP: connection not allowed by ruleset").isEqualTo(2);
        }

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> kubectl.run("get", "sshtunnel",
                "hooks", "-o", "jsonpath={.status.forwards[?(@.name==\"back\")].reason} {.status.forwards[?(@.name==\"socks\")].reason}"),
                "TargetNotAllowed TargetNotAllowed"::equals);
        String lastError = kubectl.run("get", "sshtunnel", "hooks", "-o", "jsonpath={.status.forwards[?(@.name==\"back\")].lastError}");
        assertThat(lastError).startsWith("TargetNotAllowed: target 127.0.0.1, which is in 127.0.0.0/8")
                .contains("sshtunnel.guard-rails.denied-targets");
        assertThat(target.accepted()).as("connections that reached the denied target").isZero();
    }

    private static int readOrEnd(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read();
        } catch (SocketException reset) {
            return -1;
        }
    }

    private String log() {
        return sandbox.read();
    }
}
