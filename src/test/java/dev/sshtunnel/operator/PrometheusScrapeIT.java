package dev.sshtunnel.operator;

import static dev.sshtunnel.testing.TunnelFixtures.local;
import static dev.sshtunnel.testing.TunnelFixtures.tunnel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sshtunnel.api.v1alpha1.ProbeSpec;
import dev.sshtunnel.config.TunnelConfigLoader;
import dev.sshtunnel.forwarder.ForwarderProcess;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.Processes;
import dev.sshtunnel.testing.RealCluster;
import dev.sshtunnel.testing.RealClusterResource;
import dev.sshtunnel.testing.TunnelFiles;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * What a platform team's Prometheus sees: a real Prometheus (Debian's package, on loopback) scrapes
 * the operator and a forwarder carrying real traffic through a real sshd, loads the shipped alert
 * rules, and answers every PromQL expression of the shipped Grafana dashboard with data.
 */
@QuarkusTest
@QuarkusTestResource(RealClusterResource.class)
class PrometheusScrapeIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MONITORING = Path.of("deploy/monitoring").toAbsolutePath();

    @TestHTTPResource("/q/metrics")
    URL operatorMetrics;

    /** Not @TempDir: JUnit does not inject it into a @QuarkusTest's instance. */
    private final Path dir = createTempDirectory();

    private final List<AutoCloseable> running = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private Process prometheus;
    private int prometheusPort;

    @AfterEach
    void stop() throws Exception {
        if (prometheus != null) {
            Processes.killTree(prometheus);
        }
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
        try (var tree = Files.walk(dir)) {
            tree.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void prometheusScrapesBothRolesAndEveryDashboardQueryReturnsData() throws Exception {
        // The operator's side: a tunnel it reports on (no Secret, so it waits in SecretNotFound).
        RealCluster.namespace("prometheus");
        RealCluster.admin().resource(tunnel("prometheus", "waiting", local("db", 5432, "db", 5432))).create();

        // The forwarder's side: real traffic through one forward, a refused connection through another.
        Path key = Keys.generate(dir, "id_ed25519", "ed25519", false, null);
        OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)));
        running.add(sshd);
        EchoServer echo = new EchoServer(EchoServer.Mode.ECHO);
        running.add(echo);
        int pg = Ports.free();
        int dead = Ports.free();
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                .privateKey(key).hostKey(sshd.knownHostsLine())
                .local("pg", pg, "127.0.0.1", echo.port())
                .local("dead", dead, "127.0.0.1", Ports.free())
                // A probe on the dead forward's closed target: sshtunnel_forward_probe_up 0 for the dashboard's panel.
                .change("dead", f -> f.setProbe(probe()));
        ForwarderProcess forwarder = new ForwarderProcess(TunnelConfigLoader.load(files.write(), files.secretsDir()), "127.0.0.1",
                "127.0.0.1", 0, Duration.ofSeconds(1));
        running.add(forwarder);
        await().atMost(Duration.ofSeconds(20)).until(() -> forwarder.status().forwards().stream()
                .allMatch(f -> f.getState() == dev.sshtunnel.api.v1alpha1.ForwardState.Active));
        for (int i = 0; i < 5; i++) {
            try (Socket socket = new Socket("127.0.0.1", pg)) {
                socket.getOutputStream().write("ping".getBytes(StandardCharsets.UTF_8));
                assertThat(socket.getInputStream().readNBytes(4)).isEqualTo("ping".getBytes(StandardCharsets.UTF_8));
            }
        }
        try (Socket socket = new Socket("127.0.0.1", dead)) {
            socket.getInputStream().read(); // the channel is refused: closed at once
        }

        startPrometheus(operatorMetrics.getPort(), forwarder.httpPort());
        await().atMost(Duration.ofSeconds(30)).until(() -> query("sum(up)"), r -> r.size() == 1
                && r.get(0).path("value").get(1).asText().equals("2"));

        await().atMost(Duration.ofSeconds(30)).until(
                () -> query("sshtunnel_forward_probe_up{namespace=\"default\",tunnel=\"test\",forward=\"dead\"} == 0"),
                r -> r.size() == 1);
        assertThat(value("sshtunnel_forward_failed_channels_total{namespace=\"default\",tunnel=\"test\",forward=\"dead\"}"))
                .isGreaterThanOrEqualTo(1);
        assertThat(value("sshtunnel_forward_sent_bytes_total{namespace=\"default\",tunnel=\"test\",forward=\"pg\"}"))
                .isEqualTo(20);
        await().atMost(Duration.ofSeconds(20)).until(
                () -> query("sshtunnel_tunnel_ready{namespace=\"prometheus\",tunnel=\"waiting\",reason=\"SecretNotFound\"}"),
                r -> r.size() == 1);

        // Every query of the dashboard, with its variables set to "all", returns data.
        JsonNode dashboard = JSON.readTree(MONITORING.resolve("sshtunnel-dashboard.json").toFile());
        List<String> expressions = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(target -> expressions.add(target.path("expr").asText())));
        assertThat(expressions).hasSizeGreaterThanOrEqualTo(10);
        for (String expression : expressions) {
            String promql = expression.replace("$namespace", ".*").replace("$tunnel", ".*").replace("$__rate_interval", "1m");
            await(promql).atMost(Duration.ofSeconds(20)).until(() -> query(promql), result -> !result.isEmpty());
        }

        // The shipped rules load and evaluate; the waiting tunnel is on its way to SshTunnelNotReady.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode groups = get("/api/v1/rules").path("data").path("groups");
            assertThat(groups).hasSize(1);
            List<String> health = new ArrayList<>();
            groups.get(0).path("rules").forEach(rule -> health.add(rule.path("name").asText() + "=" + rule.path("health").asText()));
            assertThat(health).hasSize(7).allSatisfy(h -> assertThat(h).endsWith("=ok"));
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> query("ALERTS{alertname=\"SshTunnelNotReady\",tunnel=\"waiting\"}"),
                r -> r.size() == 1 && r.get(0).path("metric").path("alertstate").asText().equals("pending"));
    }

    private static Path createTempDirectory() {
        try {
            return Files.createTempDirectory("prometheus-scrape");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Probes the closed target every 5 s (the schema's minimum) and fails at the first refusal. */
    private static ProbeSpec probe() {
        ProbeSpec probe = new ProbeSpec();
        probe.setIntervalSeconds(5);
        probe.setTimeoutSeconds(2);
        probe.setFailureThreshold(1);
        return probe;
    }

    private void startPrometheus(int operatorPort, int forwarderPort) throws IOException {
        prometheusPort = Ports.free();
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                rule_files: ["%s"]
                scrape_configs:
                  - job_name: sshtunnel-operator
                    metrics_path: /q/metrics
                    static_configs: [{targets: ["127.0.0.1:%d"]}]
                  - job_name: sshtunnel-forwarder
                    metrics_path: /q/metrics
                    static_configs: [{targets: ["127.0.0.1:%d"]}]
                """.formatted(MONITORING.resolve("sshtunnel.rules.yaml"), operatorPort, forwarderPort));
        prometheus = new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    private JsonNode query(String promql) throws Exception {
        JsonNode answer = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        assertThat(answer.path("status").asText()).as(promql + ": " + answer).isEqualTo("success");
        return answer.path("data").path("result");
    }

    private double value(String promql) throws Exception {
        JsonNode result = await().atMost(Duration.ofSeconds(20)).until(() -> query(promql), r -> r.size() == 1);
        return result.get(0).path("value").get(1).asDouble();
    }

    private JsonNode get(String path) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }
}
