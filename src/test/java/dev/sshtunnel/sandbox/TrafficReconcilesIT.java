package dev.sshtunnel.sandbox;

import static dev.sshtunnel.testing.TunnelFixtures.localTunnel;
import static dev.sshtunnel.testing.TunnelFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sshtunnel.testing.AuditLog;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.PackagedJar;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.SandboxExtension;
import dev.sshtunnel.testing.SandboxProcess;

/**
 * Traffic through a Ready tunnel moves its channel counters on every poll of the forwarder's /status;
 * that alone must not reconcile the tunnel. The API server's audit log, read before and after 30 s of
 * connections through the Service: the operator read no Secret and made no request for the
 * Deployment, ConfigMap or Service meanwhile, while status counters still moved (the counter writer,
 * here every 5 s). The counts are kept in target/it-logs/ for docs/benchmarks.md. Then three reconciles that find
 * nothing to change (a label on the key's Secret) write nothing at all.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TrafficReconcilesIT {

    private static final Duration TRAFFIC = Duration.ofSeconds(30);
    private static final Duration COUNTER_INTERVAL = Duration.ofSeconds(5);
    private static final String TOTAL = "jsonpath={.status.forwards[0].totalChannels}";

    @RegisterExtension
    final SandboxExtension sandboxes = new SandboxExtension();

    @Test
    void trafficMovesCountersWithoutReconcilesOrSecretReads() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        SandboxProcess sandbox = sandboxes.start("sandbox",
                Map.of("SSHTUNNEL_STATUS_COUNTER_WRITE_INTERVAL", COUNTER_INTERVAL.toSeconds() + "s"));
        Kubectl kubectl = sandbox.kubectl();
        sandbox.keySecret(key);
        int port = Ports.free();
        assertThat(kubectl.attempt(yaml(localTunnel("db", sshd, port, echo.port())), "apply", "-f", "-").out())
                .contains("sshtunnel.sshtunnel.dev/db created");
        assertThat(kubectl.run("wait", "--for=condition=Ready", "sshtunnel/db", "--timeout=90s")).contains("condition met");
        connect(port, 0); // the first channel: the counters exist from here on
        await().atMost(Duration.ofSeconds(30)).until(() -> kubectl.run("get", "sshtunnel", "db", "-o", TOTAL), "1"::equals);
        Thread.sleep(5000); // settled: the rollout's own writes are done

        Path auditFile = sandboxes.dir().resolve("sandbox/cluster/logs/audit.log");
        int before = AuditLog.read(auditFile).byOperator().size();
        Instant start = Instant.now();
        Instant end = start.plus(TRAFFIC);
        int connections = 0;
        while (Instant.now().isBefore(end)) {
            connect(port, ++connections);
            Thread.sleep(100);
        }
        long total = 1 + connections;
        // The last counters are written within one counter interval of the last poll.
        await().atMost(COUNTER_INTERVAL.multipliedBy(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "sshtunnel", "db", "-o", TOTAL), String.valueOf(total)::equals);
        Duration window = Duration.between(start, Instant.now());
        Thread.sleep(2000); // the audit log is written when each request completes
        List<AuditLog.Entry> during = AuditLog.read(auditFile).byOperator();
        Map<String, Long> counts = during.subList(before, during.size()).stream()
                .filter(e -> !e.permission().endsWith(":list") && !e.permission().endsWith(":watch"))
                .collect(Collectors.groupingBy(AuditLog.Entry::permission, TreeMap::new, Collectors.counting()));
        Files.createDirectories(PackagedJar.IT_LOGS);
        Files.writeString(PackagedJar.IT_LOGS.resolve("TrafficReconcilesIT-requests.txt"), "connections " + connections
                + " in " + TRAFFIC.toSeconds() + " s; operator requests meanwhile (and until the last counters were written):\n"
                + counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining("\n")) + "\n");

        assertThat(counts).as("requests of the operator during %d connections", connections)
                .doesNotContainKey("/secrets:get")
                .doesNotContainKeys("apps/deployments:get", "apps/deployments:patch", "/configmaps:get",
                        "/configmaps:update", "/services:get", "/services:patch");
        long statusWrites = counts.getOrDefault("sshtunnel.dev/sshtunnels/status:update", 0L);
        assertThat(statusWrites).as("counters are written, at most once per %s in %s", COUNTER_INTERVAL, window)
                .isBetween(1L, window.dividedBy(COUNTER_INTERVAL) + 1);

        // A reconcile that finds everything as it should be writes nothing: a new version of the key's Secret (a label)
        // reconciles the tunnel, whose dependents then all match what the API server holds, defaults included.
        int beforeReconciles = AuditLog.read(auditFile).byOperator().size();
        for (int i = 0; i < 3; i++) {
            kubectl.run("label", "secret", "bastion-key", "--overwrite", "touched=" + i);
            Thread.sleep(2000);
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofSeconds(1))
                .until(() -> requestsSince(auditFile, beforeReconciles).getOrDefault("/secrets:get", 0L) >= 3);
        Thread.sleep(3000);
        Map<String, Long> reconciled = requestsSince(auditFile, beforeReconciles);
        assertThat(reconciled).as("requests of the operator while three reconciles found nothing to change")
                .containsKey("/secrets:get")
                .doesNotContainKeys("apps/deployments:patch", "/configmaps:update", "/configmaps:patch", "/services:patch",
                        "networking.k8s.io/networkpolicies:patch", "sshtunnel.dev/sshtunnels/status:update");
    }

    /** The operator's requests after the first {@code skip} of them, lists and watches left out, by permission. */
    private static Map<String, Long> requestsSince(Path auditFile, int skip) throws IOException {
        return AuditLog.read(auditFile).byOperator().stream().skip(skip)
                .filter(e -> !e.permission().endsWith(":list") && !e.permission().endsWith(":watch"))
                .collect(Collectors.groupingBy(AuditLog.Entry::permission, TreeMap::new, Collectors.counting()));
    }

    /** One connection through the Service port, echoing a line. */
    private static void connect(int port, int n) throws Exception {
        byte[] request = ("hello " + n + "\n").getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request);
            assertThat(socket.getInputStream().readNBytes(request.length)).isEqualTo(request);
        }
    }
}
