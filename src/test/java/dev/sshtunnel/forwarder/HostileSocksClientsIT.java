package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitForward;
import static dev.sshtunnel.forwarder.ForwarderHarness.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.ForwardProtocol;
import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.Socks5;

/**
 * SOCKS clients that stall, drop or pipeline their handshake, against a real sshd: the handshake
 * runs without a thread per client, under a deadline, and leaks nothing.
 */
class HostileSocksClientsIT extends OpenSshForwarderIT {

    /** SocksNegotiation.DEADLINE, as a client sees it. */
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    /**
     * The forward speaks HTTP CONNECT too: every third silent client is an HTTP one that stops in the middle of its
     * header (slowloris), under the same deadline.
     */
    @Test
    void silentClientsHoldNoThreadAndAreCutAtTheDeadlineWhileOthersGetThrough() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().dynamic("socks", port)
                .with(f -> f.setProtocols(List.of(ForwardProtocol.SOCKS, ForwardProtocol.HTTPConnect))));
        awaitForward(forwarder, "socks", f -> f.getState() == ForwardState.Active);
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        List<Socket> silent = new ArrayList<>();
        long opened = System.nanoTime();
        try {
            for (int i = 0; i < 200; i++) {
                Socket socket = connect(port);
                if (i % 3 == 1) {
                    socket.getOutputStream().write(new byte[] {5, 1}); // half a greeting, then nothing
                } else if (i % 3 == 2) {
                    socket.getOutputStream().write("CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0".getBytes(StandardCharsets.US_ASCII));
                }
                silent.add(socket);
            }
            // Every silent client has been accepted and is waiting; a well-behaved client is not held up.
            assertThat(socksEcho(port, "still served")).isEqualTo("still served");
            int threadsDuring = ManagementFactory.getThreadMXBean().getThreadCount();
            assertThat(threadsDuring - threadsBefore).as("threads added by 200 silent SOCKS clients").isLessThan(10);

            for (Socket socket : silent) {
                socket.setSoTimeout((int) DEADLINE.plusSeconds(10).toMillis());
                assertThat(socket.getInputStream().read()).as("silent client is closed").isEqualTo(-1);
            }
            Duration cut = Duration.ofNanos(System.nanoTime() - opened);
            assertThat(cut).isBetween(DEADLINE.minusSeconds(1), DEADLINE.plusSeconds(8));
        } finally {
            for (Socket socket : silent) {
                socket.close();
            }
        }
        var status = ForwarderHarness.forward(forwarder, "socks");
        assertThat(status.getFailedChannels()).isGreaterThanOrEqualTo(200);
        assertThat(status.getLastError()).startsWith("ForwardRejected: ").contains("no SOCKS or HTTP CONNECT request within 10 s");
        assertThat(status.getReason()).isEqualTo(Reason.ForwardRejected);
    }

    @Test
    void twentyThousandConnectionsDroppedMidHandshakeLeakNoDescriptor() throws Exception {
        int port = startSocks();
        assertThat(socksEcho(port, "warm")).isEqualTo("warm"); // the session's own descriptors are open
        long before = openDescriptors();
        byte[][] partial = {{}, {5}, {5, 1}, {5, 1, 0}, {5, 1, 0, 5, 1, 0}, {4, 1, 0, 80}};
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int worker = t;
                done.add(clients.submit(() -> {
                    for (int i = 0; i < 5_000; i++) {
                        try (Socket socket = new Socket()) {
                            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                            socket.getOutputStream().write(partial[(worker + i) % partial.length]);
                            // Half reset (no FIN, no TIME_WAIT), half closed normally.
                            socket.setSoLinger(i % 2 == 0, 0);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : done) {
                worker.get();
            }
        } finally {
            clients.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(openDescriptors()).isLessThanOrEqualTo(before + 5));
        assertThat(socksEcho(port, "after the storm")).isEqualTo("after the storm");
        assertThat(ForwarderHarness.forward(forwarder, "socks").getFailedChannels()).isGreaterThanOrEqualTo(15_000);
    }

    @Test
    void aClientThatSendsItsDataWithTheRequestLosesNone() throws Exception {
        int port = startSocks();
        try (Socket socket = connect(port)) {
            // Greeting, request and the first data in one write, before any reply (optimistic clients do this).
            ByteBuffer all = ByteBuffer.allocate(64).put(new byte[] {5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1})
                    .putShort((short) echo.port()).put("early bytes".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(all.array(), 0, all.position());
            InputStream in = socket.getInputStream();
            assertThat(in.readNBytes(2)).containsExactly(5, 0);
            byte[] reply = in.readNBytes(10);
            assertThat(reply[1]).as("SOCKS5 reply code").isEqualTo((byte) 0);
            assertThat(new String(in.readNBytes(11), StandardCharsets.US_ASCII)).isEqualTo("early bytes");
        }
    }

    @Test
    void aRefusedRequestAfterAPipelinedGreetingGetsTheMethodSelectionFirst() throws Exception {
        int port = startSocks();
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write(new byte[] {5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80}); // BIND
            InputStream in = socket.getInputStream();
            assertThat(in.readNBytes(2)).containsExactly(5, 0);
            byte[] reply = in.readNBytes(10);
            assertThat(reply[1]).as("command not supported").isEqualTo((byte) 7);
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void httpConnectSendsNoByteAheadOfTheReplyAndRefusesLongHeadersAndOtherMethodsAtOnce() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().dynamic("socks", port)
                .with(f -> f.setProtocols(List.of(ForwardProtocol.SOCKS, ForwardProtocol.HTTPConnect))));
        awaitForward(forwarder, "socks", f -> f.getState() == ForwardState.Active);
        try (Socket socket = connect(port)) {
            // Request and the first data in one write: the header is read up to its blank line, not a byte further.
            socket.getOutputStream().write(("CONNECT 127.0.0.1:" + echo.port() + " HTTP/1.1\r\nHost: x\r\n\r\nearly bytes")
                    .getBytes(StandardCharsets.US_ASCII));
            String ok = "HTTP/1.1 200 Connection established\r\n\r\n";
            InputStream in = socket.getInputStream();
            assertThat(new String(in.readNBytes(ok.length()), StandardCharsets.US_ASCII)).isEqualTo(ok);
            assertThat(new String(in.readNBytes(11), StandardCharsets.US_ASCII)).isEqualTo("early bytes");
        }
        String longHeader = "CONNECT 127.0.0.1:1 HTTP/1.1\r\nX: ";
        // Exactly the bound, so that the refusal leaves no unread byte (which would reset the connection before the reply).
        assertThat(httpReply(port, longHeader + "a".repeat(4096 - longHeader.length()))).startsWith("HTTP/1.1 431 ");
        assertThat(httpReply(port, "GET http://127.0.0.1:" + echo.port() + "/ HTTP/1.1\r\n\r\n"))
                .startsWith("HTTP/1.1 405 ").contains("Allow: CONNECT");
        assertThat(httpReply(port, "CONNECT 127.0.0.1 HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400 ");
        assertThat(httpReply(port, "CONNECT bad\u001bname:80 HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400 ");
        assertThat(ForwarderHarness.forward(forwarder, "socks").getLastError()).startsWith("ForwardRejected: CONNECT target is not")
                .doesNotContain("\u001b");
    }

    /** What the forward answers to one HTTP request, read to its close, within 2 s (refusals come at once). */
    private static String httpReply(int port, String request) throws IOException {
        try (Socket socket = connect(port)) {
            socket.setSoTimeout(2_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (SocketException e) {
            return "reset: " + e.getMessage();
        }
    }

    @Test
    void garbageIsRefusedAtOnce() throws Exception {
        int port = startSocks();
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(2_000);
            // Closed with the rest of the request unread: a reset rather than an end of stream.
            assertThat(closedByPeer(socket)).isTrue();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("a request that is no SOCKS must be refused at once, not at the deadline", e);
        }
        assertThat(ForwarderHarness.forward(forwarder, "socks").getLastError())
                .isEqualTo("ForwardRejected: not a SOCKS request (version byte 71)");
        assertThat(ForwarderHarness.forward(forwarder, "socks").getReason()).isEqualTo(Reason.ForwardRejected);
    }

    private int startSocks() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().dynamic("socks", port));
        awaitForward(forwarder, "socks", f -> f.getState() == ForwardState.Active);
        return port;
    }

    private String socksEcho(int port, String text) throws IOException {
        try (Socket socket = connect(port)) {
            int reply = Socks5.connect(socket, Socks5.IPV4, new byte[] {127, 0, 0, 1}, echo.port());
            assertThat(reply).isZero();
            socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readNBytes(text.length()), StandardCharsets.US_ASCII);
        }
    }

    private static boolean closedByPeer(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read() == -1;
        } catch (SocketException e) {
            return e.getMessage().contains("reset");
        }
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
