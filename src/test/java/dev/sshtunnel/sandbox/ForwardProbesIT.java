package dev.sshtunnel.sandbox;

import static dev.sshtunnel.testing.TunnelFixtures.local;
import static dev.sshtunnel.testing.TunnelFixtures.through;
import static dev.sshtunnel.testing.TunnelFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ProbeSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.SandboxExtension;
import dev.sshtunnel.testing.SandboxProcess;

/**
 * A probe per forward on the sandbox (real control plane, the packaged operator, kubectl, a real sshd): a Local
 * forward whose target behind the server is closed turns ForwardsReachable False with TargetUnreachable, and with
 * affectsReadiness takes Ready and the pod's readiness with it, so the Service stops sending clients; once the target
 * listens, `kubectl wait --for=condition=ForwardsReachable` returns and traffic through the Service resumes. The
 * liveness probe never restarts the pod meanwhile.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ForwardProbesIT {

    private static final String REACHABLE = "jsonpath={.status.conditions[?(@.type==\"ForwardsReachable\")].reason}";
    private static final String READY = "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}";

    @RegisterExtension
    final SandboxExtension sandboxes = new SandboxExtension();

    @Test
    void aForwardWhoseTargetIsDownIsReportedAndTakenOutOfTheServiceUntilItIsBack() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        SandboxProcess sandbox = sandboxes.start("sandbox");
        Kubectl kubectl = sandbox.kubectl();
        sandbox.keySecret(key);
        int dbTarget = Ports.free();
        int dbPort = Ports.free();
        int echoPort = Ports.free();
        ForwardSpec db = local("db", dbPort, "127.0.0.1", dbTarget);
        ProbeSpec probe = new ProbeSpec();
        probe.setIntervalSeconds(5);
        probe.setTimeoutSeconds(2);
        probe.setFailureThreshold(1);
        probe.setAffectsReadiness(true);
        db.setProbe(probe);
        SshTunnel tunnel = through(sshd, "warehouse", db, local("echo", echoPort, "127.0.0.1", echo.port()));
        assertThat(kubectl.attempt(yaml(tunnel), "apply", "-f", "-").exitCode()).isZero();

        // The target behind the server is closed: the session and listeners are up, the path is not.
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "sshtunnel", "warehouse", "-o", REACHABLE), "TargetUnreachable"::equals);
        assertThat(kubectl.run("get", "sshtunnel", "warehouse", "-o",
                "jsonpath={.status.conditions[?(@.type==\"ForwardsReachable\")].message}")).contains("forward db");
        assertThat(kubectl.run("get", "sshtunnel", "warehouse", "-o", "jsonpath={.status.forwards[0].probe.state}"))
                .isEqualTo("Failing");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "sshtunnel", "warehouse", "-o", READY), "TargetUnreachable"::equals);
        assertThat(kubectl.run("get", "sshtunnel", "warehouse", "-o",
                "jsonpath={.status.conditions[?(@.type==\"Stalled\")].status}")).as("kstatus: degraded, not progressing")
                .isEqualTo("True");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> kubectl.run("get", "pods", "-l",
                "app.kubernetes.io/instance=warehouse", "-o", "jsonpath={.items[0].status.conditions[?(@.type==\"Ready\")].status}"),
                "False"::equals);
        assertThat(echoesThroughService(echoPort)).as("the unready pod is out of the Service").isFalse();

        // The target comes back: the probe passes, kubectl wait returns, and the Service carries traffic again.
        try (ServerSocket target = new ServerSocket()) {
            target.bind(new InetSocketAddress("127.0.0.1", dbTarget));
            Thread acceptor = new Thread(() -> acceptForever(target), "probe-target");
            acceptor.setDaemon(true);
            acceptor.start();
            assertThat(kubectl.run("wait", "--for=condition=ForwardsReachable", "sshtunnel/warehouse", "--timeout=60s"))
                    .contains("condition met");
            assertThat(kubectl.run("wait", "--for=condition=Ready", "sshtunnel/warehouse", "--timeout=60s")).contains("condition met");
            assertThat(kubectl.run("get", "sshtunnel", "warehouse", "-o", "jsonpath={.status.forwards[0].probe.state}"))
                    .isEqualTo("Passing");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> echoesThroughService(echoPort));
        }
        assertThat(kubectl.run("get", "pods", "-l", "app.kubernetes.io/instance=warehouse", "-o",
                "jsonpath={.items[0].status.containerStatuses[0].restartCount}")).as("liveness never depends on a probe")
                .isEqualTo("0");
    }

    private static void acceptForever(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket ignored = server.accept()) {
                // a probe only opens and closes
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Through the sandbox's relay of the tunnel's Service, which sends connections to ready pods only. */
    private static boolean echoesThroughService(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
            byte[] answer = socket.getInputStream().readNBytes(5);
            return "ping\n".equals(new String(answer, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return false;
        }
    }
}
