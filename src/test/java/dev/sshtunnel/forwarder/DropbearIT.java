package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitForward;
import static dev.sshtunnel.forwarder.ForwarderHarness.awaitSession;
import static dev.sshtunnel.forwarder.ForwarderHarness.connect;
import static dev.sshtunnel.forwarder.ForwarderHarness.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.config.Sha256;
import dev.sshtunnel.testing.DropbearServer;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.TunnelFiles;

/** The same forwards against Dropbear, a different server implementation. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DropbearIT {

    @TempDir
    Path dir;

    private DropbearServer dropbear;
    private EchoServer echo;
    private ForwarderProcess forwarder;
    private Path key;

    @BeforeEach
    void start() {
        assumeTrue(DropbearServer.available(), "Dropbear tests need /usr/sbin/dropbear and root (to create the test user)");
        key = Keys.generate(dir, "id_ed25519", "ed25519", false, null);
        dropbear = DropbearServer.start(dir.resolve("dropbear"), List.of(Keys.publicKey(key)));
        echo = new EchoServer(EchoServer.Mode.ECHO);
    }

    @AfterEach
    void stop() throws Exception {
        if (forwarder != null) {
            forwarder.close();
        }
        if (echo != null) {
            echo.close();
        }
        if (dropbear != null) {
            dropbear.close();
        }
    }

    private TunnelFiles tunnel() {
        return new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", dropbear.port(), DropbearServer.USER)
                .privateKey(key).hostKey(dropbear.knownHostsLine());
    }

    @Test
    void localForwardCarries16MiBEachWay() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().local("echo", port, "127.0.0.1", echo.port()));
        var session = awaitSession(forwarder, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));
        assertThat(session.getServerVersion()).contains("dropbear");

        int size = 16 * 1024 * 1024;
        try (Socket socket = connect(port)) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try {
                    MessageDigest digest = Sha256.newDigest();
                    InputStream in = socket.getInputStream();
                    byte[] buffer = new byte[65536];
                    long total = 0;
                    int n;
                    while (total < size && (n = in.read(buffer)) >= 0) {
                        digest.update(buffer, 0, n);
                        total += n;
                    }
                    return digest.digest();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            MessageDigest sent = Sha256.newDigest();
            byte[] chunk = new byte[128 * 1024];
            Random random = new Random(1);
            OutputStream out = socket.getOutputStream();
            for (int written = 0; written < size; written += chunk.length) {
                random.nextBytes(chunk);
                sent.update(chunk);
                out.write(chunk);
            }
            assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo(sent.digest());
        }
    }

    @Test
    void remoteForwardAndHalfClose() throws Exception {
        try (EchoServer afterEof = new EchoServer(EchoServer.Mode.AFTER_EOF)) {
            int local = Ports.free();
            forwarder = ForwarderHarness.start(tunnel().local("rev", local, "127.0.0.1", afterEof.port())
                    .remote("hooks", 0, "127.0.0.1", echo.port()));
            var remote = awaitForward(forwarder, "hooks", f -> f.getState() == ForwardState.Active);
            assertThat(remote.getBoundPort()).isPositive();
            assertThat(roundTrip(remote.getBoundPort(), "via dropbear".getBytes())).isEqualTo("via dropbear".getBytes());

            try (Socket socket = connect(local)) {
                socket.getOutputStream().write("xyz".getBytes(StandardCharsets.US_ASCII));
                socket.shutdownOutput();
                assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("3\nzyx");
            }
        }
    }

    @Test
    void socks5ThroughDropbear() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().dynamic("proxy", port));
        awaitForward(forwarder, "proxy", f -> f.getState() == ForwardState.Active);
        try (Socket socket = connect(port)) {
            assertThat(dev.sshtunnel.testing.Socks5.connect(socket, dev.sshtunnel.testing.Socks5.IPV4, new byte[] {127, 0, 0, 1}, echo.port()))
                    .isZero();
            socket.getOutputStream().write("db".getBytes());
            assertThat(socket.getInputStream().readNBytes(2)).isEqualTo("db".getBytes());
        }
    }
}
