package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitForward;
import static dev.sshtunnel.forwarder.ForwarderHarness.awaitSession;
import static dev.sshtunnel.forwarder.ForwarderHarness.forward;
import static dev.sshtunnel.forwarder.ForwarderHarness.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.TunnelFiles;

/**
 * A running forwarder follows its tunnel document, as a pod follows its ConfigMap volume: forwards
 * are added, changed and removed, and the session's settings replaced, while a channel through a
 * forward that did not change keeps flowing. Real OpenSSH, real TCP.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LiveChangesIT extends OpenSshForwarderIT {

    private Stream stream;

    @AfterEach
    void stopStream() {
        if (stream != null) {
            stream.close();
        }
    }

    @Test
    void forwardsAreAddedChangedAndRemovedWhileAnUnchangedChannelKeepsFlowing() throws Exception {
        int portA = Ports.free();
        int portB = Ports.free();
        int remotePort = Ports.free();
        TunnelFiles files = tunnel().local("a", portA, "127.0.0.1", echo.port());
        forwarder = ForwarderHarness.start(files);
        ForwarderHarness.awaitAllActive(forwarder);
        stream = new Stream(portA);

        // Added: a Local and a Remote forward attach to the running session.
        files.local("b", portB, "127.0.0.1", echo.port()).remote("r", remotePort, "127.0.0.1", echo.port()).write();
        awaitForward(forwarder, "b", f -> f.getState() == ForwardState.Active);
        awaitForward(forwarder, "r", f -> f.getState() == ForwardState.Active);
        assertThat(roundTrip(portB, "to b".getBytes())).isEqualTo("to b".getBytes());
        assertThat(roundTrip(remotePort, "to r".getBytes())).isEqualTo("to r".getBytes()); // sshd listens for r

        // Changed: b now leads to another target, which answers only after EOF.
        try (EchoServer afterEof = new EchoServer(EchoServer.Mode.AFTER_EOF)) {
            files.change("b", f -> f.getTarget().setPort(afterEof.port())).write();
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> forward(forwarder, "b").getTotalChannels() == 0
                    && forward(forwarder, "b").getState() == ForwardState.Active);
            try (Socket socket = ForwarderHarness.connect(portB)) {
                socket.getOutputStream().write("late".getBytes());
                socket.shutdownOutput();
                // that target answers with the length and the bytes reversed: proof the new target is used
                assertThat(new String(socket.getInputStream().readAllBytes())).isEqualTo("4\netal");
            }

            // Removed: b's port no longer accepts, the server no longer listens for r (cancel-tcpip-forward).
            files.without("b").without("r").write();
            await().atMost(Duration.ofSeconds(10)).until(() -> forwarder.status().forwards().size() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> !Ports.accepts("127.0.0.1", remotePort));
            assertThat(Ports.accepts("127.0.0.1", portB)).isFalse();
        }

        // Through all of it, one channel on a carried on: same channel, bytes checked, no reconnect.
        long before = stream.echoed.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> stream.echoed.get() > before + 10_000);
        assertThat(stream.failure.get()).isNull();
        assertThat(forward(forwarder, "a").getTotalChannels()).isEqualTo(1);
        assertThat(forward(forwarder, "a").getActiveChannels()).isEqualTo(1);
        assertThat(forwarder.status().session().getReconnects()).isZero();
        assertThat(forwarder.status().documentError()).isNull();
    }

    /**
     * The server's host key is rotated and the new key applied to the tunnel: a new session connects
     * once while the old one serves, new connections never fail, and the channel still open on the
     * old session may finish within the grace period.
     */
    @Test
    void hostKeyRotationReconnectsOnceWithoutRefusingAConnection() throws Exception {
        int portA = Ports.free();
        TunnelFiles files = tunnel().local("a", portA, "127.0.0.1", echo.port());
        forwarder = ForwarderHarness.start(files);
        ForwarderHarness.awaitAllActive(forwarder);
        String oldFingerprint = forwarder.status().session().getHostKeyFingerprint();
        stream = new Stream(portA);

        // Another key listed beside the current one (ahead of a rotation): the live session is still trusted and stays.
        Path extra = Keys.generate(dir, "extra_host", "ed25519", false, null);
        String extraLine = "[127.0.0.1]:" + sshd.port() + " " + Keys.publicKey(extra);
        files.hostKey(sshd.knownHostsLine() + "\n" + extraLine).write();
        Thread.sleep(1_000); // several watch intervals
        assertThat(forwarder.status().session().getReconnects()).isZero();

        try (Prober prober = new Prober(portA)) {
            sshd.rotateHostKey();
            await().atMost(Duration.ofSeconds(3)).until(() -> prober.succeeded.get() > 10); // old session still serves
            files.hostKey(sshd.knownHostsLine()).write();

            var session = awaitSession(forwarder, s -> s.getReconnects() == 1 && s.getState() == SessionState.Connected,
                    Duration.ofSeconds(20));
            assertThat(session.getHostKeyFingerprint()).isEqualTo(sshd.hostKeyFingerprint()).isNotEqualTo(oldFingerprint);
            long connectedAt = System.nanoTime();
            int succeededThen = prober.succeeded.get();
            await().atMost(Duration.ofSeconds(5)).until(() -> prober.succeeded.get() > succeededThen + 20);

            // The long-lived channel rode on the old session: it ends within the grace period (2 s in the harness).
            await().atMost(Duration.ofSeconds(8)).until(() -> stream.ended.get());
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectedAt)).isLessThan(8_000);
            assertThat(prober.failed.get()).as("new connections refused during the handover: %s", prober.lastError.get())
                    .isZero();
        }
        assertThat(forwarder.status().session().getReconnects()).isEqualTo(1);
    }

    /**
     * A rotated key (same Secret, new content) does not cut a working session; it is used on the next
     * connect. A key that cannot be loaded is reported and retried, so fixing the Secret is enough.
     */
    @Test
    void secretsAreReadAgainBeforeEveryConnect() throws Exception {
        int portA = Ports.free();
        TunnelFiles files = tunnel().local("a", portA, "127.0.0.1", echo.port());
        Path keyFile = files.write().getParent().resolve("secrets/bastion-key/id");
        byte[] goodKey = Files.readAllBytes(keyFile);
        Files.writeString(keyFile, "not a key\n");
        forwarder = ForwarderHarness.start(files);
        var refused = awaitSession(forwarder, s -> s.getLastError() != null && !s.getLastError().isEmpty(),
                Duration.ofSeconds(20));
        assertThat(refused.getLastError()).startsWith(Reason.AuthenticationFailed + ":").contains("fix the Secret");
        assertThat(refused.getReason()).isEqualTo(Reason.AuthenticationFailed);

        Files.write(keyFile, goodKey);
        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));

        // Rotation: the server now trusts only the new key; the live session is not cut for it.
        Path newKey = Keys.generate(dir, "id_rotated", "ed25519", false, null);
        Files.write(dir.resolve("sshd/authorized_keys"), List.of(Keys.publicKey(newKey)));
        Files.write(keyFile, Files.readAllBytes(newKey));
        Thread.sleep(1_000); // several watch intervals
        assertThat(forwarder.status().session().getState()).isEqualTo(SessionState.Connected);
        assertThat(forwarder.status().session().getReconnects()).isZero();

        sshd.restart(); // the session drops; the reconnect authenticates with the rotated key
        awaitSession(forwarder, s -> s.getState() == SessionState.Connected && s.getReconnects() == 1, Duration.ofSeconds(20));
        ForwarderHarness.awaitAllActive(forwarder);
        assertThat(roundTrip(portA, "rotated".getBytes())).isEqualTo("rotated".getBytes());
    }

    /** A document that does not load leaves the running one in place, and says why. */
    @Test
    void aBrokenDocumentIsReportedAndTheRunningOneStays() throws Exception {
        int portA = Ports.free();
        TunnelFiles files = tunnel().local("a", portA, "127.0.0.1", echo.port());
        Path yaml = files.write();
        forwarder = ForwarderHarness.start(files);
        ForwarderHarness.awaitAllActive(forwarder);

        Files.writeString(yaml, Files.readString(yaml).replace("forwards:", "forwardz:"));
        await().atMost(Duration.ofSeconds(5)).until(() -> forwarder.status().documentError() != null);
        assertThat(forwarder.status().documentError()).contains("forwardz");
        assertThat(roundTrip(portA, "still".getBytes())).isEqualTo("still".getBytes());

        files.write();
        await().atMost(Duration.ofSeconds(5)).until(() -> forwarder.status().documentError() == null);
    }

    /** One channel carrying a counted byte pattern both ways until closed; any mismatch is recorded. */
    private static final class Stream implements AutoCloseable {
        final AtomicLong echoed = new AtomicLong();
        final AtomicReference<String> failure = new AtomicReference<>();
        final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
        private final Socket socket;
        private final Thread writer;
        private final Thread reader;
        private volatile boolean closing;

        Stream(int port) throws IOException {
            socket = ForwarderHarness.connect(port);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            writer = new Thread(() -> {
                byte[] chunk = new byte[1024];
                long sent = 0;
                try {
                    while (!closing) {
                        for (int i = 0; i < chunk.length; i++) {
                            chunk[i] = (byte) (sent + i);
                        }
                        out.write(chunk);
                        sent += chunk.length;
                        Thread.sleep(5);
                    }
                } catch (IOException | InterruptedException e) {
                    // the reader tells
                }
            }, "stream-writer");
            reader = new Thread(() -> {
                long got = 0;
                byte[] buffer = new byte[4096];
                try {
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        for (int i = 0; i < n; i++) {
                            if (buffer[i] != (byte) (got + i)) {
                                failure.compareAndSet(null, "byte " + (got + i) + " corrupted");
                            }
                        }
                        got += n;
                        echoed.set(got);
                    }
                } catch (IOException e) {
                    if (!closing) {
                        failure.compareAndSet(null, "channel failed after " + got + " bytes: " + e);
                    }
                }
                ended.set(true);
            }, "stream-reader");
            writer.start();
            reader.start();
        }

        @Override
        public void close() {
            closing = true;
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** A new connection through the forward every 50 ms, each a round trip; counts failures. */
    private static final class Prober implements AutoCloseable {
        final AtomicInteger succeeded = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicReference<String> lastError = new AtomicReference<>();
        private final Thread thread;
        private volatile boolean stopping;

        Prober(int port) {
            thread = new Thread(() -> {
                int i = 0;
                while (!stopping) {
                    byte[] request = ("probe " + i++).getBytes();
                    try {
                        if (java.util.Arrays.equals(roundTrip(port, request), request)) {
                            succeeded.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                            lastError.set("short or wrong echo");
                        }
                    } catch (IOException e) {
                        failed.incrementAndGet();
                        lastError.set(e.toString());
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "prober");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stopping = true;
            thread.join(5_000);
        }
    }
}
