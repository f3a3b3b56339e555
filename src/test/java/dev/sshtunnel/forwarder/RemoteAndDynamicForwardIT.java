package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitForward;
import static dev.sshtunnel.forwarder.ForwarderHarness.connect;
import static dev.sshtunnel.forwarder.ForwarderHarness.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.sun.net.httpserver.HttpServer;

import dev.sshtunnel.api.v1alpha1.ForwardProtocol;
import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.TunnelFiles;

/** Remote (ssh -R) and Dynamic (ssh -D, SOCKS) forwards through a real OpenSSH sshd. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RemoteAndDynamicForwardIT extends OpenSshForwarderIT {

    @Test
    void remotePortZeroIsAllocatedCarriesTrafficAndIsCancelledOnClose() throws Exception {
        forwarder = ForwarderHarness.start(tunnel().remote("hooks", 0, "127.0.0.1", echo.port()));
        var active = awaitForward(forwarder, "hooks", f -> f.getState() == ForwardState.Active);
        int bound = active.getBoundPort();
        assertThat(bound).isPositive();

        assertThat(roundTrip(bound, "through the server".getBytes())).isEqualTo("through the server".getBytes());

        forwarder.close();
        forwarder = null;
        await().atMost(Duration.ofSeconds(10)).until(() -> !Ports.accepts("127.0.0.1", bound));
    }

    @Test
    void remoteFixedPortAndHalfCloseThroughTheForwardedChannel() throws Exception {
        int port = Ports.free();
        try (EchoServer afterEof = new EchoServer(EchoServer.Mode.AFTER_EOF)) {
            forwarder = ForwarderHarness.start(tunnel().remote("rev", port, "127.0.0.1", afterEof.port()));
            var active = awaitForward(forwarder, "rev", f -> f.getState() == ForwardState.Active);
            assertThat(active.getBoundPort()).isEqualTo(port);
            try (Socket socket = connect(port)) {
                socket.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
                socket.shutdownOutput();
                assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("3\ncba");
            }
        }
    }

    @Test
    void remotePortHeldByAnotherSessionWaitsAsAReadyStandbyUntilItIsReleased() throws Exception {
        int port = Ports.free();
        ForwarderProcess holder = ForwarderHarness.start(
                new TunnelFiles(dir.resolve("holder"), "127.0.0.1", sshd.port(), sshd.user())
                        .privateKey(userKey).hostKey(sshd.knownHostsLine()).remote("hooks", port, "127.0.0.1", echo.port()));
        try {
            awaitForward(holder, "hooks", f -> f.getState() == ForwardState.Active);
            forwarder = ForwarderHarness.start(tunnel().remote("hooks", port, "127.0.0.1", echo.port()));
            var waiting = awaitForward(forwarder, "hooks", f -> f.getState() == ForwardState.Standby);
            assertThat(waiting.getLastError()).startsWith("RemotePortInUse:");
            assertThat(waiting.getReason()).isEqualTo(Reason.RemotePortInUse);
            assertThat(waiting.getBoundPort()).isNull();
            // Healthy, only waiting: a rolling update may go on, the pod's other forwards serve.
            assertThat(ForwarderHarness.get(forwarder, "/q/health/ready").statusCode()).isEqualTo(200);
            assertThat(ForwarderHarness.get(forwarder, "/q/metrics").body())
                    .contains("sshtunnel_forward_up{namespace=\"default\",tunnel=\"test\",forward=\"hooks\",type=\"Remote\"} 0")
                    .contains("sshtunnel_forward_standby{namespace=\"default\",tunnel=\"test\",forward=\"hooks\",type=\"Remote\"} 1");
        } finally {
            holder.close(); // cancels its forward
        }
        long released = System.nanoTime();
        awaitForward(forwarder, "hooks", f -> f.getState() == ForwardState.Active);
        assertThat(Duration.ofNanos(System.nanoTime() - released)).as("asked again every second, not with the session backoff")
                .isLessThan(Duration.ofMillis(1_500));
        assertThat(roundTrip(port, "freed".getBytes())).isEqualTo("freed".getBytes());
    }

    @Test
    void socks5WithADomainNameResolvedByTheServer() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().dynamic("proxy", port));
        awaitForward(forwarder, "proxy", f -> f.getState() == ForwardState.Active);

        try (Socket socket = connect(port)) {
            int reply = dev.sshtunnel.testing.Socks5.connect(socket, dev.sshtunnel.testing.Socks5.DOMAIN,
                    "localhost".getBytes(StandardCharsets.US_ASCII), echo.port());
            assertThat(reply).as("SOCKS5 REP").isZero();
            socket.getOutputStream().write("via socks5".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(socket.getInputStream().readNBytes(10), StandardCharsets.US_ASCII)).isEqualTo("via socks5");
        }
    }

    @Test
    void socksDomainNamesThatAreNoHostNamesAreRefusedWithoutEchoingThem() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().dynamic("proxy", port));
        awaitForward(forwarder, "proxy", f -> f.getState() == ForwardState.Active);

        List<String> names = List.of("", "db\r\nInjected: yes", "two words", "bad\u0000name");
        for (String name : names) {
            try (Socket socket = connect(port)) {
                int reply = dev.sshtunnel.testing.Socks5.connect(socket, dev.sshtunnel.testing.Socks5.DOMAIN,
                        name.getBytes(StandardCharsets.ISO_8859_1), echo.port());
                assertThat(reply).as("SOCKS5 REP: general failure").isEqualTo(1);
            }
        }
        var refused = awaitForward(forwarder, "proxy", f -> f.getFailedChannels() != null && f.getFailedChannels() >= names.size());
        assertThat(refused.getLastError()).startsWith("ForwardRejected:").contains("not a host name")
                .doesNotContain("\r").doesNotContain("\n").doesNotContain("Injected");
        assertThat(refused.getReason()).isEqualTo(Reason.ForwardRejected);
    }

    @Test
    void socks5IPv4AndARefusedTargetGetsAnErrorReply() throws Exception {
        int port = Ports.free();
        int closedPort = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().dynamic("proxy", port));
        awaitForward(forwarder, "proxy", f -> f.getState() == ForwardState.Active);

        try (Socket socket = connect(port)) {
            int reply = dev.sshtunnel.testing.Socks5.connect(socket, dev.sshtunnel.testing.Socks5.IPV4, new byte[] {127, 0, 0, 1}, closedPort);
            assertThat(reply).as("SOCKS5 REP: connection refused").isEqualTo(5);
        }
        var failed = awaitForward(forwarder, "proxy", f -> f.getFailedChannels() == 1);
        assertThat(failed.getLastError()).startsWith("Unreachable:");
        assertThat(failed.getReason()).isEqualTo(Reason.Unreachable);
    }

    @Test
    void socks4AndSocks4a() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().dynamic("proxy", port));
        awaitForward(forwarder, "proxy", f -> f.getState() == ForwardState.Active);

        try (Socket socket = connect(port)) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            ByteBuffer request = ByteBuffer.allocate(9).put((byte) 4).put((byte) 1).putShort((short) echo.port())
                    .put(new byte[] {127, 0, 0, 1}).put((byte) 0);
            socket.getOutputStream().write(request.array());
            byte[] reply = in.readNBytes(8);
            assertThat(reply[1]).as("SOCKS4 granted").isEqualTo((byte) 0x5A);
            socket.getOutputStream().write("four".getBytes());
            assertThat(in.readNBytes(4)).isEqualTo("four".getBytes());
        }
        try (Socket socket = connect(port)) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] name = "localhost".getBytes(StandardCharsets.US_ASCII);
            ByteBuffer request = ByteBuffer.allocate(9 + name.length + 1).put((byte) 4).put((byte) 1).putShort((short) echo.port())
                    .put(new byte[] {0, 0, 0, 1}).put((byte) 0).put(name).put((byte) 0);
            socket.getOutputStream().write(request.array());
            byte[] reply = in.readNBytes(8);
            assertThat(reply[1]).as("SOCKS4a granted").isEqualTo((byte) 0x5A);
            socket.getOutputStream().write("4a".getBytes());
            assertThat(in.readNBytes(2)).isEqualTo("4a".getBytes());
        }
    }

    @Test
    void httpConnectAndSocksOnOneDynamicPortWithCurl() throws Exception {
        int port = Ports.free();
        HttpServer web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        web.createContext("/", exchange -> {
            byte[] body = "hello through the tunnel".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        web.start();
        try {
            forwarder = ForwarderHarness.start(tunnel().dynamic("web", port)
                    .with(f -> f.setProtocols(List.of(ForwardProtocol.SOCKS, ForwardProtocol.HTTPConnect))));
            awaitForward(forwarder, "web", f -> f.getState() == ForwardState.Active);
            String proxy = "http://127.0.0.1:" + port;
            int webPort = web.getAddress().getPort();

            assertThat(curl("-p", "-x", proxy, "http://127.0.0.1:" + webPort + "/")).isEqualTo("0 hello through the tunnel");
            assertThat(curl("--socks5-hostname", "127.0.0.1:" + port, "http://localhost:" + webPort + "/"))
                    .isEqualTo("0 hello through the tunnel");
            // Not CONNECT: an HTTP proxy's plain GET is not served.
            assertThat(curl("-o", "/dev/null", "-w", "%{http_code}", "-x", proxy, "http://127.0.0.1:" + webPort + "/"))
                    .isEqualTo("0 405");
            // A channel the server cannot open is the proxy's 502, as SOCKS says "connection refused".
            assertThat(curl("-o", "/dev/null", "-w", "%{http_connect}", "-p", "-x", proxy, "http://127.0.0.1:" + Ports.free() + "/"))
                    .endsWith(" 502");
        } finally {
            web.stop(0);
        }
    }

    /** curl's exit code and output. */
    private static String curl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("curl", "-s", "--max-time", "10"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return process.exitValue() + " " + output;
    }
}
