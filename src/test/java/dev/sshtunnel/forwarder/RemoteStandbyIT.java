package dev.sshtunnel.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.PackagedJar;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.Processes;
import dev.sshtunnel.testing.TunnelFiles;

/**
 * A warm standby for a Remote forward, with the packaged forwarder run twice as separate processes
 * (as two pods) against a real OpenSSH sshd, both asking for the same fixed remote port: one
 * serves, the other reports Standby; the server is the arbiter. Measures how long the remote port
 * serves nobody when the serving process is killed (kill -9: the kernel closes its connection),
 * frozen (SIGSTOP: a host that died without a word; sshd notices by ClientAliveInterval ×
 * ClientAliveCountMax) or stopped on purpose (SIGTERM: it cancels the forward first). Results go to
 * target/it-logs/RemoteStandbyIT-*.txt; docs/reliability.md quotes them.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RemoteStandbyIT {

    private static final int ALIVE_INTERVAL = 1;
    private static final int ALIVE_COUNT_MAX = 3;
    private static final List<String> POD_FLAGS = List.of("-XX:+UseSerialGC",
            "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-XX:MaxRAM=256m", "-XX:MaxRAMPercentage=80");
    private static final String SERVER_TIMEOUT = "Timeout, client not responding";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final PackagedJar jar = new PackagedJar();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private OpenSshServer sshd;
    /** Each process forwards to its own target, which tags its replies, so a probe knows who served it. */
    private final java.util.Map<String, TaggedEcho> targets = new java.util.HashMap<>();
    private final java.util.Random random = new java.util.Random();
    private Path userKey;
    private int port;
    private int started;

    /** One forwarder process: a pod. */
    private record Forwarder(String name, Process process, int httpPort, Path log) {
    }

    @BeforeEach
    void start() {
        userKey = Keys.generate(dir, "id_ed25519", "ed25519", false, null);
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(userKey)),
                "ClientAliveInterval " + ALIVE_INTERVAL, "ClientAliveCountMax " + ALIVE_COUNT_MAX);
        port = Ports.free();
    }

    @AfterEach
    void stop(org.junit.jupiter.api.TestInfo test) throws Exception {
        jar.close();
        for (TaggedEcho target : targets.values()) {
            target.close();
        }
        sshd.close();
        Files.copy(sshd.log(), PackagedJar.IT_LOGS.resolve("RemoteStandbyIT-sshd-" + test.getTestMethod().orElseThrow().getName()
                + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void oneServesTheOtherStandsByReadyAndTakesOverWhenTheServingOneIsKilled() throws Exception {
        Forwarder serving = startServing("a");
        Forwarder standby = startStandby("b");
        JsonNode waiting = forward(standby);
        assertThat(waiting.path("lastError").asText()).startsWith("RemotePortInUse: standby:");
        assertThat(get(standby, "/q/health/ready").statusCode()).as("a standby pod is healthy, only waiting").isEqualTo(200);
        assertThat(echoes("a", "served by a")).isTrue();

        List<Long> takeover = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            Thread.sleep(random.nextInt(1000)); // any phase of the standby's one-second retry
            long killed = System.nanoTime();
            serving.process().destroyForcibly(); // kill -9: no cancel, the kernel closes the TCP connection
            takeover.add(untilServed(standby, killed, Duration.ofSeconds(10)));
            awaitState(standby, "Active");
            Forwarder restarted = startStandby(serving.name());
            serving = standby;
            standby = restarted;
        }
        report("kill9", "kill -9 of the serving process until the remote port echoes through the standby", takeover, null);
        // kill -9 closes the connection at once; the standby asks every second, so about a second at most.
        assertThat(takeover).allSatisfy(ms -> assertThat(ms).isLessThan(2_000));
    }

    @Test
    void aFrozenServingProcessIsReplacedOnceTheServerGivesUpOnIt() throws Exception {
        Forwarder serving = startServing("a");
        Forwarder standby = startStandby("b");
        List<Long> takeover = new ArrayList<>();
        List<Long> detection = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            int timeoutsBefore = serverTimeouts();
            AtomicLong detectedAt = watchServerLog(timeoutsBefore);
            Thread.sleep(random.nextInt(1000));
            long frozen = System.nanoTime();
            Processes.signal(serving.process().pid(), "STOP"); // a host gone silent: no FIN, nothing answers
            // Watched through the standby's /status, not by connecting to the port: sshd 9.2 skips its
            // client-alive check while connections keep arriving there, and would never notice (docs/reliability.md).
            takeover.add(untilActive(standby, frozen, Duration.ofSeconds(30)));
            assertThat(echoes(standby.name(), "after the takeover")).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> detectedAt.get() != 0);
            detection.add(TimeUnit.NANOSECONDS.toMillis(detectedAt.get() - frozen));
            awaitState(standby, "Active");
            serving.process().destroyForcibly();
            Forwarder restarted = startStandby(serving.name());
            serving = standby;
            standby = restarted;
        }
        report("sigstop", "SIGSTOP of the serving process until the standby reports its forward Active", takeover,
                "server-side detection (sshd logs '" + SERVER_TIMEOUT + "'; ClientAliveInterval " + ALIVE_INTERVAL
                        + " s x ClientAliveCountMax " + ALIVE_COUNT_MAX + "): " + summary(detection));
        for (int i = 0; i < takeover.size(); i++) {
            // sshd frees the port when it gives up on the frozen session; the standby binds it within its 1 s retry.
            assertThat(detection.get(i)).as("detection").isGreaterThanOrEqualTo((ALIVE_INTERVAL * ALIVE_COUNT_MAX - 1) * 1000L);
            assertThat(takeover.get(i)).as("takeover after detection").isGreaterThanOrEqualTo(detection.get(i) - 300)
                    .isLessThan(detection.get(i) + 1_600);
        }
    }

    @Test
    void aStoppedServingProcessCancelsItsForwardSoTheStandbyTakesOverWhileOpenConnectionsFinish() throws Exception {
        Forwarder serving = startServing("a");
        Forwarder standby = startStandby("b");
        List<Long> takeover = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            try (Socket open = new Socket()) {
                open.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                open.setSoTimeout(5000);
                assertThat(roundTrip(open, serving.name(), "before")).isTrue();
                Thread.sleep(random.nextInt(1000));
                long terminated = System.nanoTime();
                serving.process().destroy(); // SIGTERM: stop accepting, cancel-tcpip-forward, drain, exit
                takeover.add(untilServed(standby, terminated, Duration.ofSeconds(10)));
                assertThat(serving.process().isAlive()).as("still draining the open connection").isTrue();
                assertThat(roundTrip(open, serving.name(), "after the handover")).as("an open connection finishes on the old pod")
                        .isTrue();
            }
            assertThat(serving.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(serving.process().exitValue()).isZero();
            awaitState(standby, "Active");
            Forwarder restarted = startStandby(serving.name());
            serving = standby;
            standby = restarted;
        }
        report("sigterm", "SIGTERM of the serving process (one connection open on it) until the remote port echoes"
                + " through the standby", takeover, null);
        // The old session still lives (draining), so only the cancel can have freed the port; the standby asks every second.
        assertThat(takeover).allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(1_300));
    }

    private Forwarder startServing(String name) throws IOException {
        Forwarder forwarder = launch(name);
        awaitState(forwarder, "Active");
        return forwarder;
    }

    private Forwarder startStandby(String name) throws IOException {
        Forwarder forwarder = launch(name);
        awaitState(forwarder, "Standby");
        return forwarder;
    }

    private Forwarder launch(String name) throws IOException {
        TaggedEcho target = targets.computeIfAbsent(name, TaggedEcho::new);
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel-" + name), "127.0.0.1", sshd.port(), sshd.user())
                .privateKey(userKey).hostKey(sshd.knownHostsLine()).remote("hooks", port, "127.0.0.1", target.port());
        int httpPort = Ports.free();
        Path log = PackagedJar.IT_LOGS.resolve("RemoteStandbyIT-" + name + "-" + started++ + ".log");
        Process process = jar.start(log, POD_FLAGS, "forward", "-f", files.write().toString(),
                "--secrets-dir", files.secretsDir().toString(), "--http-port", Integer.toString(httpPort), "--grace-period", "10");
        return new Forwarder(name, process, httpPort, log);
    }

    private void awaitState(Forwarder forwarder, String state) {
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .untilAsserted(() -> assertThat(forward(forwarder).path("state").asText())
                        .as("forward state of %s; log:%n%s", forwarder.name(), PackagedJar.read(forwarder.log())).isEqualTo(state));
    }

    private JsonNode forward(Forwarder forwarder) throws IOException, InterruptedException {
        return JSON.readTree(get(forwarder, "/status").body()).path("forwards").get(0);
    }

    private HttpResponse<String> get(Forwarder forwarder, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + forwarder.httpPort() + path))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Milliseconds from {@code since} until a new connection to the remote port is served by {@code by}; probes every 20 ms. */
    private long untilServed(Forwarder by, long since, Duration limit) throws InterruptedException {
        long deadline = since + limit.toNanos();
        int attempt = 0;
        while (System.nanoTime() < deadline) {
            if (echoes(by.name(), "probe " + attempt++)) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the remote port was not served by " + by.name() + " for " + limit);
    }

    /** Milliseconds from {@code since} until {@code by} reports its forward Active; polls its /status every 20 ms. */
    private long untilActive(Forwarder by, long since, Duration limit) throws InterruptedException {
        long deadline = since + limit.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if ("Active".equals(forward(by).path("state").asText())) {
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
                }
            } catch (IOException e) {
                // not answering this moment: ask again
            }
            Thread.sleep(20);
        }
        throw new AssertionError(by.name() + " did not take over within " + limit);
    }

    /** A new connection to the remote port carries a few bytes to {@code by}'s target and back (a frozen holder: no answer in 250 ms). */
    private boolean echoes(String by, String text) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 250);
            socket.setSoTimeout(250);
            return roundTrip(socket, by, text);
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends a line, expects it back tagged by the target of forwarder {@code by}. */
    private static boolean roundTrip(Socket socket, String by, String text) throws IOException {
        socket.getOutputStream().write((text + "\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        byte[] expected = (by + ":" + text + "\n").getBytes(StandardCharsets.US_ASCII);
        InputStream in = socket.getInputStream();
        return java.util.Arrays.equals(in.readNBytes(expected.length), expected);
    }

    /** Answers each line with "TAG:line". */
    private static final class TaggedEcho implements AutoCloseable {
        private final java.net.ServerSocket server;

        TaggedEcho(String tag) {
            try {
                server = new java.net.ServerSocket(0, 200, java.net.InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Thread accept = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Thread serve = new Thread(() -> serve(client, tag), "tagged-echo-" + tag);
                        serve.setDaemon(true);
                        serve.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "tagged-echo-accept-" + tag);
            accept.setDaemon(true);
            accept.start();
        }

        private static void serve(Socket client, String tag) {
            try (client; var reader = new java.io.BufferedReader(new java.io.InputStreamReader(client.getInputStream(),
                    StandardCharsets.US_ASCII))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    client.getOutputStream().write((tag + ":" + line + "\n").getBytes(StandardCharsets.US_ASCII));
                    client.getOutputStream().flush();
                }
            } catch (IOException ignored) {
                // the probe went away
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private int serverTimeouts() {
        String log = PackagedJar.read(sshd.log());
        return log.split(SERVER_TIMEOUT, -1).length - 1;
    }

    /** The moment sshd logs one more client-alive timeout than {@code before}, polled every 5 ms. */
    private AtomicLong watchServerLog(int before) {
        AtomicLong at = new AtomicLong();
        Thread watcher = new Thread(() -> {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < end && at.get() == 0) {
                if (serverTimeouts() > before) {
                    at.set(System.nanoTime());
                    return;
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "sshd-log-watch");
        watcher.setDaemon(true);
        watcher.start();
        return at;
    }

    private static String summary(List<Long> millis) {
        return millis.stream().map(ms -> ms + " ms").collect(Collectors.joining(", ")) + String.format(Locale.ROOT,
                " (min %d, max %d, mean %.0f)", millis.stream().mapToLong(Long::longValue).min().orElse(0),
                millis.stream().mapToLong(Long::longValue).max().orElse(0),
                millis.stream().mapToLong(Long::longValue).average().orElse(0));
    }

    private static void report(String name, String what, List<Long> millis, String extra) throws IOException {
        String text = what + ": " + summary(millis) + (extra == null ? "" : "\n" + extra) + "\n";
        Files.createDirectories(PackagedJar.IT_LOGS);
        Files.writeString(PackagedJar.IT_LOGS.resolve("RemoteStandbyIT-" + name + ".txt"), text);
        System.out.print("RemoteStandbyIT " + name + ": " + text);
    }
}
