package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitForward;
import static dev.sshtunnel.forwarder.ForwarderHarness.awaitSession;
import static dev.sshtunnel.forwarder.ForwarderHarness.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.TunnelFiles;

/** Faults users meet in production: a relay that swallows bytes with TCP still up, and connection churn. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class FaultsIT extends OpenSshForwarderIT {

    /**
     * The tunnel runs through a TCP relay that can stop passing bytes without closing anything: TCP
     * stays healthy (the relay acknowledges every byte, so the kernel never retransmits or times
     * out) while SSH goes silent, as behind a stuck proxy or load balancer. Only keepalive can
     * notice, within interval × (maxMissed + 1), and the tunnel must come back once bytes flow.
     * Kernel faults (link down, packets dropped) are in {@link NetworkFaultsIT}; this case is not.
     */
    @Test
    void blackholedLinkIsDetectedAndRecovered() throws Exception {
        try (BlackholeRelay link = new BlackholeRelay(sshd.port())) {
            TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", link.port(), sshd.user())
                    .privateKey(userKey).hostKey("[127.0.0.1]:" + link.port() + " " + sshd.publicHostKey());
            int port = Ports.free();
            forwarder = ForwarderHarness.start(files.local("echo", port, "127.0.0.1", echo.port()));
            awaitSession(forwarder, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));

            link.blackhole(true);
            long start = System.nanoTime();
            var lost = awaitSession(forwarder, s -> s.getState() != SessionState.Connected, Duration.ofSeconds(8));
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThanOrEqualTo(6);
            assertThat(lost.getLastError()).contains("keepalive");
            assertThat(lost.getReason()).isEqualTo(Reason.Unreachable);

            link.blackhole(false);
            awaitSession(forwarder, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(roundTrip(port, "back".getBytes())).isEqualTo("back".getBytes()));
        }
    }

    /** 20,000 short connections: open file descriptors and threads return to where they were. */
    private static final int CHURN = 20_000;

    @Test
    void churnLeavesNoDescriptorsOrThreadsBehind() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().local("echo", port, "127.0.0.1", echo.port()));
        awaitForward(forwarder, "echo", f -> f.getState() == ForwardState.Active);
        roundTrip(port, "warm".getBytes());
        await().atMost(Duration.ofSeconds(15)).until(() -> ForwarderHarness.forward(forwarder, "echo").getActiveChannels() == 0);
        Thread.sleep(6000); // let the idle pump threads of the warm-up expire
        int fdsBefore = openFileDescriptors();
        long threadsBefore = forwarderThreads();

        ExecutorService clients = Executors.newFixedThreadPool(8);
        for (int i = 0; i < CHURN; i++) {
            clients.execute(() -> {
                try {
                    roundTrip(port, "x".getBytes());
                } catch (IOException ignored) {
                    // counted below through totalChannels
                }
            });
        }
        clients.shutdown();
        assertThat(clients.awaitTermination(240, TimeUnit.SECONDS)).isTrue();
        var echoForward = await().atMost(Duration.ofSeconds(20))
                .until(() -> ForwarderHarness.forward(forwarder, "echo"), f -> f.getActiveChannels() == 0);
        assertThat(echoForward.getTotalChannels()).isEqualTo(CHURN + 1);
        assertThat(echoForward.getFailedChannels()).isZero();

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(openFileDescriptors()).as("open fds").isLessThanOrEqualTo(fdsBefore + 10);
            assertThat(forwarderThreads()).as("forwarder I/O threads").isLessThanOrEqualTo(threadsBefore);
        });
    }

    /** The forwarder's pump threads (the test's own echo server and clients are not counted). */
    private static long forwarderThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("forward-io")).count();
    }

    private static int openFileDescriptors() {
        return Objects.requireNonNull(new File("/proc/self/fd").list()).length;
    }

    /** A loopback TCP relay whose link can be cut without closing anything: bytes are held, not passed. */
    static final class BlackholeRelay implements AutoCloseable {
        private final ServerSocket server;
        private final ExecutorService threads = Executors.newCachedThreadPool();
        private volatile boolean blackholed;

        BlackholeRelay(int targetPort) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            threads.execute(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Socket target = new Socket("127.0.0.1", targetPort);
                        threads.execute(() -> pipe(client, target));
                        threads.execute(() -> pipe(target, client));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        void blackhole(boolean on) {
            blackholed = on;
        }

        int port() {
            return server.getLocalPort();
        }

        private void pipe(Socket from, Socket to) {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (blackholed) {
                        // The link is down: these bytes are lost, the connection itself stays "up".
                        continue;
                    }
                    out.write(buffer, 0, n);
                }
            } catch (IOException ignored) {
                // one side closed
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }
}
