package dev.sshtunnel.forwarder;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;

import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.SessionStatus;
import dev.sshtunnel.config.ConfigException;
import dev.sshtunnel.config.TunnelConfigLoader;
import dev.sshtunnel.forwarder.session.Credentials;
import dev.sshtunnel.testing.TunnelFiles;

/** Starts the forwarder exactly as `forward -f tunnel.yaml --secrets-dir DIR` does, in this JVM. */
final class ForwarderHarness {

    private ForwarderHarness() {
    }

    static ForwarderProcess start(TunnelFiles files) throws IOException, ConfigException, Credentials.CredentialException {
        Path yaml = files.write();
        return new ForwarderProcess(TunnelConfigLoader.load(yaml, files.secretsDir()), "127.0.0.1", "127.0.0.1", 0,
                Duration.ofSeconds(2));
    }

    static SessionStatus awaitSession(ForwarderProcess process, Predicate<SessionStatus> condition, Duration timeout) {
        return await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> process.snapshot().session(), condition);
    }

    static ForwardStatus forward(ForwarderProcess process, String name) {
        return process.snapshot().forwards().stream().filter(f -> f.getName().equals(name)).findFirst().orElseThrow();
    }

    static ForwardStatus awaitForward(ForwarderProcess process, String name, Predicate<ForwardStatus> condition) {
        return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> forward(process, name), condition);
    }

    static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        socket.setSoTimeout(20_000);
        socket.setTcpNoDelay(true);
        return socket;
    }

    /** Writes a request, reads the echo of the same length. */
    static byte[] roundTrip(int port, byte[] request) throws IOException {
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            return in.readNBytes(request.length);
        }
    }

    static final byte SOCKS5_IPV4 = 1;
    static final byte SOCKS5_DOMAIN = 3;

    /** A SOCKS5 greeting (no authentication) and CONNECT on an open socket; returns the reply code (0 = succeeded). */
    static int socks5Connect(Socket socket, byte addressType, byte[] address, int port) throws IOException {
        var in = new java.io.DataInputStream(socket.getInputStream());
        var out = socket.getOutputStream();
        out.write(new byte[] {5, 1, 0});
        byte[] method = in.readNBytes(2);
        if (method.length != 2 || method[0] != 5 || method[1] != 0) {
            throw new IOException("SOCKS5 method selection refused");
        }
        boolean domain = addressType == SOCKS5_DOMAIN;
        var request = java.nio.ByteBuffer.allocate(6 + (domain ? 1 : 0) + address.length)
                .put(new byte[] {5, 1, 0, addressType});
        if (domain) {
            request.put((byte) address.length);
        }
        request.put(address).putShort((short) port);
        out.write(request.array());
        byte[] reply = in.readNBytes(10);
        if (reply.length != 10 || reply[0] != 5) {
            throw new IOException("not a SOCKS5 reply");
        }
        return reply[1];
    }

    static HttpResponse<String> get(ForwarderProcess process, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + process.httpPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
