package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitForward;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.config.Sha256;
import dev.sshtunnel.testing.DigestSink;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.Socks5;

/** 1 GiB through each forward type, checked byte for byte by SHA-256 at the target. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class LargeTransferIT extends OpenSshForwarderIT {

    private static final long GIB = 1L << 30;
    private static final int CHUNK = 1 << 20;

    /** Streams GIB pseudo-random bytes (a different chunk each time), half-closes, and checks the sink's answer. */
    private static void sendAndVerify(Socket socket) throws IOException {
        socket.setSoTimeout(120_000);
        MessageDigest sent = Sha256.newDigest();
        SplittableRandom random = new SplittableRandom(42);
        byte[] chunk = new byte[CHUNK];
        OutputStream out = socket.getOutputStream();
        for (long written = 0; written < GIB; written += CHUNK) {
            for (int i = 0; i < CHUNK; i += 8) {
                long value = random.nextLong();
                for (int b = 0; b < 8; b++) {
                    chunk[i + b] = (byte) (value >>> (8 * b));
                }
            }
            sent.update(chunk);
            out.write(chunk);
        }
        socket.shutdownOutput();
        String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertThat(answer).isEqualTo(GIB + " " + Sha256.hex(sent));
    }

    @Test
    void oneGibThroughALocalForward() throws Exception {
        int port = Ports.free();
        try (DigestSink sink = new DigestSink()) {
            forwarder = ForwarderHarness.start(tunnel().local("bulk", port, "127.0.0.1", sink.port()));
            awaitForward(forwarder, "bulk", f -> f.getState() == ForwardState.Active);
            try (Socket socket = ForwarderHarness.connect(port)) {
                sendAndVerify(socket);
            }
            assertThat(ForwarderHarness.forward(forwarder, "bulk").getFailedChannels()).isZero();
        }
    }

    @Test
    void oneGibThroughARemoteForward() throws Exception {
        int port = Ports.free();
        try (DigestSink sink = new DigestSink()) {
            forwarder = ForwarderHarness.start(tunnel().remote("bulk", port, "127.0.0.1", sink.port()));
            awaitForward(forwarder, "bulk", f -> f.getState() == ForwardState.Active);
            try (Socket socket = ForwarderHarness.connect(port)) {
                sendAndVerify(socket);
            }
        }
    }

    @Test
    void oneGibThroughADynamicForward() throws Exception {
        int port = Ports.free();
        try (DigestSink sink = new DigestSink()) {
            forwarder = ForwarderHarness.start(tunnel().dynamic("bulk", port));
            awaitForward(forwarder, "bulk", f -> f.getState() == ForwardState.Active);
            try (Socket socket = ForwarderHarness.connect(port)) {
                assertThat(Socks5.connect(socket, Socks5.IPV4, new byte[] {127, 0, 0, 1}, sink.port())).isZero();
                sendAndVerify(socket);
            }
        }
    }
}
