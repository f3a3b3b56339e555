package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitForward;
import static dev.sshtunnel.forwarder.ForwarderHarness.connect;
import static dev.sshtunnel.forwarder.ForwarderHarness.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sshtunnel.api.v1alpha1.ForwardProtocol;
import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.config.policy.TargetPolicy;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.Socks5;

/**
 * The guard rail "Remote targets and SOCKS destinations" against a real OpenSSH sshd. The echo server on 127.0.0.1
 * stands in for a denied target (loopback is on the default deny list): it counts the connections it accepts, and a
 * refusal must leave it at 0. The same forwards with the policy widened (another loopback address denied instead)
 * carry traffic, so the refusals come from the policy and from nothing else.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TargetPolicyIT extends OpenSshForwarderIT {

    /** OperatorConfig.GuardRails' default deny list. */
    private static final TargetPolicy DEFAULT = TargetPolicy.of(
            List.of("169.254.0.0/16", "fd00:ec2::254/128", "127.0.0.0/8", "::1/128"), List.of(), Optional.empty());
    /** Widened: loopback allowed but for an address nothing here uses. */
    private static final TargetPolicy WIDENED = TargetPolicy.of(List.of("127.0.0.2/32"), List.of(), Optional.empty());

    @Test
    void aRemoteForwardToADeniedAddressIsRefusedWithoutConnecting() throws Exception {
        assertRemoteTargetRefused("127.0.0.1", "target 127.0.0.1, which is in 127.0.0.0/8");
    }

    @Test
    void aRemoteForwardToANameResolvingIntoTheDenyListIsRefusedWithoutConnecting() throws Exception {
        assertRemoteTargetRefused("localhost", "target localhost resolves to ");
    }

    /** 0.0.0.0 reaches the host itself (Java connects it to the host's own address, the kernel to loopback). */
    @Test
    void aRemoteForwardToTheUnspecifiedAddressIsRefusedAsTheLoopbackItReaches() throws Exception {
        assertRefusedWithoutConnecting("0.0.0.0", "target 0.0.0.0 (this host, reached as 127.0.0.1), which is in 127.0.0.0/8");
    }

    private void assertRemoteTargetRefused(String host, String says) throws Exception {
        int port = assertRefusedWithoutConnecting(host, says);

        // The same forward with the policy widened reaches the target: the refusal came from the policy.
        forwarder.close();
        forwarder = null;
        forwarder = ForwarderHarness.start(tunnel().remote("hooks", port, host, echo.port()), WIDENED);
        awaitForward(forwarder, "hooks", f -> f.getState() == ForwardState.Active);
        assertThat(roundTrip(port, "through".getBytes())).isEqualTo("through".getBytes());
        assertThat(echo.accepted()).isEqualTo(1);
    }

    /** Returns the Remote port. */
    private int assertRefusedWithoutConnecting(String host, String says) throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().remote("hooks", port, host, echo.port()), DEFAULT);
        awaitForward(forwarder, "hooks", f -> f.getState() == ForwardState.Active);

        try (Socket client = connect(port)) {
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(readToEnd(client)).as("the server closes the connection it accepted").isEqualTo(-1);
        }
        ForwardStatus refused = awaitForward(forwarder, "hooks", f -> f.getFailedChannels() != null && f.getFailedChannels() == 1);
        assertThat(refused.getReason()).isEqualTo(Reason.TargetNotAllowed);
        assertThat(refused.getLastError()).startsWith("TargetNotAllowed: " + says)
                .contains("127.0.0.0/8").contains("sshtunnel.guard-rails.denied-targets").contains("no connection was made");
        assertThat(refused.getState()).as("the forward stays up for later connections").isEqualTo(ForwardState.Active);
        assertThat(echo.accepted()).as("connections that reached the denied target").isZero();

        // What the operator reads: the pod's GET /status.
        JsonNode status = new ObjectMapper().readTree(ForwarderHarness.get(forwarder, "/status").body());
        JsonNode hooks = status.path("forwards").get(0);
        assertThat(hooks.path("reason").asText()).isEqualTo("TargetNotAllowed");
        return port;
    }

    @Test
    void socksDestinationsInTheDenyListGetNotAllowedByRulesetAndNothingReachesThem() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().dynamic("proxy", port)
                .with(f -> f.setProtocols(List.of(ForwardProtocol.SOCKS, ForwardProtocol.HTTPConnect))), DEFAULT);
        awaitForward(forwarder, "proxy", f -> f.getState() == ForwardState.Active);

        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
        byte[] loopback6 = new byte[16];
        loopback6[15] = 1;
        List<Object[]> asks = List.of(
                new Object[] {Socks5.IPV4, new byte[] {127, 0, 0, 1}},
                new Object[] {Socks5.IPV6, mapped},
                new Object[] {Socks5.IPV6, loopback6},
                new Object[] {Socks5.DOMAIN, "localhost".getBytes(StandardCharsets.US_ASCII)});
        for (Object[] ask : asks) {
            try (Socket socket = connect(port)) {
                int reply = Socks5.connect(socket, (Byte) ask[0], (byte[]) ask[1], echo.port());
                assertThat(reply).as("SOCKS5 REP for address type %s: connection not allowed by ruleset", ask[0]).isEqualTo(2);
                assertThat(readToEnd(socket)).isEqualTo(-1);
            }
        }
        // SOCKS4 knows only "rejected".
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write(new byte[] {4, 1, (byte) (echo.port() >> 8), (byte) echo.port(), 127, 0, 0, 1, 0});
            byte[] reply = new DataInputStream(socket.getInputStream()).readNBytes(8);
            assertThat(reply[1]).as("SOCKS4 CD: rejected").isEqualTo((byte) 0x5B);
        }
        // HTTP CONNECT on the same port: the proxy's 403, as SOCKS5's "not allowed by ruleset".
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write(("CONNECT 127.0.0.1:" + echo.port() + " HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 403 Forbidden\r\n");
        }
        ForwardStatus refused = awaitForward(forwarder, "proxy",
                f -> f.getFailedChannels() != null && f.getFailedChannels() == asks.size() + 2);
        assertThat(refused.getReason()).isEqualTo(Reason.TargetNotAllowed);
        assertThat(refused.getLastError()).startsWith("TargetNotAllowed: target 127.0.0.1, which is in 127.0.0.0/8");
        assertThat(echo.accepted()).as("connections that reached the denied destination").isZero();

        // Widened, the same destinations go through (the name as the address the forwarder judged).
        forwarder.close();
        forwarder = null;
        forwarder = ForwarderHarness.start(tunnel().dynamic("proxy", port), WIDENED);
        awaitForward(forwarder, "proxy", f -> f.getState() == ForwardState.Active);
        for (byte[] name : List.of("localhost".getBytes(StandardCharsets.US_ASCII), new byte[] {127, 0, 0, 1})) {
            try (Socket socket = connect(port)) {
                int reply = Socks5.connect(socket, name.length == 4 ? Socks5.IPV4 : Socks5.DOMAIN, name, echo.port());
                assertThat(reply).isZero();
                socket.getOutputStream().write("via".getBytes(StandardCharsets.US_ASCII));
                assertThat(socket.getInputStream().readNBytes(3)).isEqualTo("via".getBytes(StandardCharsets.US_ASCII));
            }
        }
        assertThat(echo.accepted()).isEqualTo(2);
    }

    @Test
    void anAllowListRefusesWhatItDoesNotList() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().dynamic("proxy", port),
                TargetPolicy.of(List.of(TargetPolicy.NONE), List.of(), Optional.of(List.of("127.0.0.2/32"))));
        awaitForward(forwarder, "proxy", f -> f.getState() == ForwardState.Active);
        try (Socket socket = connect(port)) {
            assertThat(Socks5.connect(socket, Socks5.IPV4, new byte[] {127, 0, 0, 1}, echo.port())).isEqualTo(2);
        }
        ForwardStatus refused = awaitForward(forwarder, "proxy", f -> f.getFailedChannels() != null && f.getFailedChannels() == 1);
        assertThat(refused.getLastError()).contains("outside the allowed targets").contains("sshtunnel.guard-rails.allowed-targets");
        assertThat(echo.accepted()).isZero();
    }

    /** The next byte, or -1 at the end of the stream (a reset counts as the end). */
    private static int readToEnd(Socket socket) throws IOException {
        socket.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
        try {
            return socket.getInputStream().read();
        } catch (SocketException reset) {
            return -1;
        }
    }
}
