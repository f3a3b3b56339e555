package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitForward;
import static dev.sshtunnel.forwarder.ForwarderHarness.awaitSession;
import static dev.sshtunnel.forwarder.ForwarderHarness.connect;
import static dev.sshtunnel.forwarder.ForwarderHarness.forward;
import static dev.sshtunnel.forwarder.ForwarderHarness.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.config.Sha256;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;

/** Local forwards (ssh -L) through a real OpenSSH sshd on loopback, with real TCP traffic. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalForwardIT extends OpenSshForwarderIT {

    @Test
    void carries64MiBEachWayWithMatchingChecksums() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().local("echo", port, "127.0.0.1", echo.port()));
        awaitForward(forwarder, "echo", f -> f.getState() == ForwardState.Active);

        int size = 64 * 1024 * 1024;
        try (Socket socket = connect(port)) {
            MessageDigest sent = Sha256.newDigest();
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try {
                    MessageDigest digest = Sha256.newDigest();
                    InputStream in = socket.getInputStream();
                    byte[] buffer = new byte[64 * 1024];
                    long total = 0;
                    while (total < size) {
                        int n = in.read(buffer);
                        if (n < 0) {
                            break;
                        }
                        digest.update(buffer, 0, n);
                        total += n;
                    }
                    return total == size ? digest.digest() : new byte[0];
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Random random = new Random(42);
            byte[] chunk = new byte[256 * 1024];
            OutputStream out = socket.getOutputStream();
            for (int written = 0; written < size; written += chunk.length) {
                random.nextBytes(chunk);
                sent.update(chunk);
                out.write(chunk);
            }
            out.flush();
            assertThat(received.get(90, TimeUnit.SECONDS)).isEqualTo(sent.digest());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> forward(forwarder, "echo").getActiveChannels() == 0);
        assertThat(forward(forwarder, "echo").getTotalChannels()).isEqualTo(1);
        assertThat(forward(forwarder, "echo").getFailedChannels()).isZero();
    }

    @Test
    void clientHalfCloseStillReceivesTheWholeReply() throws Exception {
        try (EchoServer afterEof = new EchoServer(EchoServer.Mode.AFTER_EOF)) {
            int port = Ports.free();
            forwarder = ForwarderHarness.start(tunnel().local("rev", port, "127.0.0.1", afterEof.port()));
            awaitForward(forwarder, "rev", f -> f.getState() == ForwardState.Active);

            byte[] request = new byte[300_000];
            new Random(7).nextBytes(request);
            try (Socket socket = connect(port)) {
                socket.getOutputStream().write(request);
                socket.shutdownOutput();
                byte[] reply = socket.getInputStream().readAllBytes();
                String header = request.length + "\n";
                assertThat(new String(reply, 0, header.length(), StandardCharsets.US_ASCII)).isEqualTo(header);
                assertThat(reply.length - header.length()).isEqualTo(request.length);
                for (int i = 0; i < request.length; i++) {
                    assertThat(reply[header.length() + i]).isEqualTo(request[request.length - 1 - i]);
                }
            }
        }
    }

    @Test
    void serverEofHalfClosesTheSocketAndTheClientCanStillSend() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            CompletableFuture<String> targetReceived = CompletableFuture.supplyAsync(() -> {
                try (Socket s = target.accept()) {
                    s.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
                    s.shutdownOutput();
                    return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            int port = Ports.free();
            forwarder = ForwarderHarness.start(tunnel().local("t", port, "127.0.0.1", target.getLocalPort()));
            awaitForward(forwarder, "t", f -> f.getState() == ForwardState.Active);

            try (Socket socket = connect(port)) {
                assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("bye");
                socket.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
                socket.shutdownOutput();
                assertThat(targetReceived.get(20, TimeUnit.SECONDS)).isEqualTo("still here");
            }
        }
    }

    @Test
    void eachChannelCarriesTheRealOriginatorAddress() throws Exception {
        sshd.close();
        sshd = dev.sshtunnel.testing.OpenSshServer.start(dir.resolve("sshd-debug"), List.of(Keys.publicKey(userKey)),
                "LogLevel DEBUG1");
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().local("echo", port, "127.0.0.1", echo.port()));
        awaitForward(forwarder, "echo", f -> f.getState() == ForwardState.Active);

        int clientPort;
        try (Socket socket = connect(port)) {
            clientPort = socket.getLocalPort();
            socket.getOutputStream().write("o".getBytes());
            assertThat(socket.getInputStream().read()).isEqualTo('o');
        }
        // RFC 4254 7.2: the channel open names the connecting client, not the forwarder's listener.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(java.nio.file.Files.readString(sshd.log()))
                .containsPattern("originator 127\\.0\\.0\\.1 port " + clientPort + "\\b"));
    }

    @Test
    void manyConcurrentChannelsEachRoundTrip() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().local("echo", port, "127.0.0.1", echo.port()));
        awaitForward(forwarder, "echo", f -> f.getState() == ForwardState.Active);

        List<CompletableFuture<Boolean>> rounds = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            byte[] payload = ("channel-" + i).getBytes(StandardCharsets.US_ASCII);
            rounds.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return java.util.Arrays.equals(roundTrip(port, payload), payload);
                } catch (Exception e) {
                    return false;
                }
            }, java.util.concurrent.Executors.newCachedThreadPool()));
        }
        assertThat(rounds.stream().map(CompletableFuture::join).filter(ok -> ok).count()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> forward(forwarder, "echo").getTotalChannels() == 200);
    }

    @Test
    void refusedChannelIsCountedAndTheOtherForwardKeepsWorking() throws Exception {
        sshd.close();
        sshd = OpenSshServer.start(dir.resolve("sshd-restricted"), List.of(Keys.publicKey(userKey)),
                "PermitOpen 127.0.0.1:" + echo.port());
        int allowed = Ports.free();
        int refused = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().local("allowed", allowed, "127.0.0.1", echo.port())
                .local("refused", refused, "127.0.0.1", 9));
        awaitForward(forwarder, "refused", f -> f.getState() == ForwardState.Active);

        try (Socket socket = connect(refused)) {
            assertThat(socket.getInputStream().read()).as("the client connection is closed").isEqualTo(-1);
        }
        var failed = awaitForward(forwarder, "refused", f -> f.getFailedChannels() == 1);
        assertThat(failed.getLastError()).startsWith("ForwardRejected:").contains("administratively prohibited");
        assertThat(failed.getReason()).isEqualTo(Reason.ForwardRejected);
        assertThat(failed.getState()).isEqualTo(ForwardState.Active);
        assertThat(roundTrip(allowed, "ok".getBytes())).isEqualTo("ok".getBytes());
    }

    @Test
    void connectionsWhileDisconnectedAreClosedAndCountedThenServiceResumesAfterRestart() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().local("echo", port, "127.0.0.1", echo.port()));
        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));
        ForwarderHarness.awaitAllActive(forwarder);
        assertThat(roundTrip(port, "a".getBytes())).isEqualTo("a".getBytes());

        sshd.stop();
        awaitSession(forwarder, s -> s.getState() != SessionState.Connected, Duration.ofSeconds(10));
        assertThat(Ports.accepts("127.0.0.1", port)).as("the listener survives the session").isTrue();

        sshd.restart();
        var session = awaitSession(forwarder, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));
        ForwarderHarness.awaitAllActive(forwarder);
        assertThat(session.getReconnects()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(roundTrip(port, "b".getBytes())).isEqualTo("b".getBytes()));
    }

    @Test
    void frozenServerIsDetectedByKeepalive() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().local("echo", port, "127.0.0.1", echo.port()));
        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));

        long frozenAt = System.nanoTime();
        sshd.freeze();
        try {
            // interval 1 s × (maxMissed 2 + 1) = 3 s, plus scheduling margin
            var lost = awaitSession(forwarder, s -> s.getState() != SessionState.Connected, Duration.ofSeconds(7));
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - frozenAt);
            assertThat(seconds).isLessThanOrEqualTo(6);
            assertThat(lost.getLastError()).contains("keepalive");
            assertThat(lost.getReason()).isEqualTo(Reason.Unreachable);
        } finally {
            sshd.thaw();
        }
        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));
    }
}
