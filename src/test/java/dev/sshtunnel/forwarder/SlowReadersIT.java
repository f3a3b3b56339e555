package dev.sshtunnel.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.PackagedJar;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.TunnelFiles;

/**
 * 300 clients that stop reading while the target owes each of them 8 MiB, through the packaged
 * forwarder with the JVM flags of a pod with the default 256 MiB limit (bench/common.sh's POD_FLAGS),
 * against a real sshd. With a 2 MiB window per channel they would need 600 MiB; the forwarder must
 * stay alive, keep the other channels' round trips, stay within the pod's memory, and still deliver
 * every byte once the readers read.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SlowReadersIT {

    private static final int READERS = 300;
    private static final int OWED = 8 * 1024 * 1024;
    private static final long POD_LIMIT = 256L * 1024 * 1024;
    private static final List<String> POD_FLAGS = List.of("-XX:+UseSerialGC",
            "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-XX:MaxRAM=256m", "-XX:MaxRAMPercentage=80");

    @TempDir
    Path dir;

    private final PackagedJar jar = new PackagedJar();
    private final ExecutorService sourceThreads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "source");
        t.setDaemon(true);
        return t;
    });
    private final List<Socket> readers = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Socket socket : readers) {
            socket.close();
        }
        sourceThreads.shutdownNow();
        jar.close();
    }

    @Test
    void slowReadersCannotExhaustTheForwardersMemoryOrSlowOtherChannels() throws Exception {
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)), "MaxSessions 1000");
                EchoServer echo = new EchoServer(EchoServer.Mode.ECHO);
                ServerSocket source = new ServerSocket(0, 1000, InetAddress.getByName("127.0.0.1"))) {
            sourceThreads.execute(() -> serveOwedBytes(source));
            int bulk = Ports.free();
            int interactive = Ports.free();
            int http = Ports.free();
            TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                    .privateKey(key).hostKey(sshd.knownHostsLine())
                    .local("bulk", bulk, "127.0.0.1", source.getLocalPort()).local("echo", interactive, "127.0.0.1", echo.port());
            // The default keepalive: the tests' 1 s x 2 is meant for fault tests, not for a session moving 300 windows.
            files.ssh().getKeepAlive().setIntervalSeconds(15);
            files.ssh().getKeepAlive().setMaxMissed(3);
            Path log = PackagedJar.IT_LOGS.resolve("SlowReadersIT-forwarder.log");
            Process forwarder = jar.start(log, POD_FLAGS, "forward", "-f", files.write().toString(),
                    "--secrets-dir", files.secretsDir().toString(), "--http-port", Integer.toString(http));
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/q/health/ready")).build();
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);

            long[] before;
            try (Socket echoChannel = ForwarderHarness.connect(interactive)) {
                before = roundTrips(echoChannel, 200);
            }

            for (int i = 0; i < READERS; i++) {
                Socket socket = new Socket();
                socket.setReceiveBufferSize(4096); // reads nothing: the bytes pile up in the forwarder, not here
                socket.connect(new InetSocketAddress("127.0.0.1", bulk), 5_000);
                readers.add(socket);
            }
            // Let the server fill every window the forwarder grants; the resident set settles when it has.
            long rss = settledRss(forwarder.pid());
            long[] during;
            try (Socket echoChannel = ForwarderHarness.connect(interactive)) {
                during = roundTrips(echoChannel, 200);
            }
            String report = String.format("RSS %d MiB with %d stalled readers; echo RTT p50 %.2f -> %.2f ms, p99 %.2f -> %.2f ms",
                    rss >> 20, READERS, before[100] / 1e6, during[100] / 1e6, before[197] / 1e6, during[197] / 1e6);
            Files.writeString(PackagedJar.IT_LOGS.resolve("SlowReadersIT-result.txt"), report + "\n");
            System.out.println(report);

            assertThat(forwarder.isAlive()).as("forwarder alive; log:%n%s", PackagedJar.read(log)).isTrue();
            assertThat(PackagedJar.read(log)).doesNotContain("OutOfMemoryError");
            assertThat(rss).as(report).isLessThan(POD_LIMIT);
            assertThat(during[100]).as(report).isLessThan(Math.max(20_000_000L, 10 * before[100]));

            // Backpressure, not loss: every reader gets its 8 MiB, in order, once it reads.
            for (Socket socket : readers.subList(0, 20)) {
                socket.setSoTimeout(60_000);
                assertThat(readOwed(socket.getInputStream())).isTrue();
            }
            assertThat(forwarder.isAlive()).isTrue();
        }
    }

    /** Sends each connection 8 MiB of a counting pattern, blocking while the client does not read. */
    private void serveOwedBytes(ServerSocket source) {
        while (!source.isClosed()) {
            try {
                Socket connection = source.accept();
                sourceThreads.execute(() -> {
                    try (connection; OutputStream out = connection.getOutputStream()) {
                        byte[] chunk = new byte[64 * 1024];
                        for (int sent = 0; sent < OWED; sent += chunk.length) {
                            for (int i = 0; i < chunk.length; i++) {
                                chunk[i] = (byte) ((sent + i) % 251);
                            }
                            out.write(chunk);
                        }
                    } catch (IOException ignored) {
                        // reader gone
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    private static boolean readOwed(InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            for (int i = 0; i < n; i++) {
                if (buffer[i] != (byte) ((total + i) % 251)) {
                    return false;
                }
            }
            total += n;
        }
        return total == OWED;
    }

    private static long[] roundTrips(Socket socket, int count) throws IOException {
        byte[] message = new byte[64];
        long[] nanos = new long[count];
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            socket.getOutputStream().write(message);
            byte[] back = socket.getInputStream().readNBytes(message.length);
            nanos[i] = System.nanoTime() - start;
            assertThat(back).hasSize(message.length);
        }
        Arrays.sort(nanos);
        return nanos;
    }

    /** VmRSS once it has not grown by more than 1 MiB for 3 s (at most 60 s). */
    private static long settledRss(long pid) throws Exception {
        long last = -1;
        int stable = 0;
        for (int i = 0; i < 120 && stable < 6; i++) {
            Thread.sleep(500);
            long now = rss(pid);
            stable = last >= 0 && now - last < 1024 * 1024 ? stable + 1 : 0;
            last = Math.max(last, now);
        }
        return last;
    }

    private static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }
}
