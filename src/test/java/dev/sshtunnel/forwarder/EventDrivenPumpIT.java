package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitAllActive;
import static dev.sshtunnel.forwarder.ForwarderHarness.connect;
import static dev.sshtunnel.forwarder.ForwarderHarness.forward;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.Socks5;

/**
 * What the asynchronous pump must keep from the thread-per-connection one it replaced, and what it
 * adds: no thread per connection, and a server that speaks first is heard in the right order.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EventDrivenPumpIT extends OpenSshForwarderIT {

    private static final byte[] BANNER = "220 target speaks first\r\n".getBytes(StandardCharsets.US_ASCII);

    @Test
    void heldChannelsNeedNoThreadEach() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().local("echo", port, "127.0.0.1", echo.port()));
        awaitAllActive(forwarder);
        int before = forwarderThreads();

        int channels = 400;
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < channels; i++) {
                Socket socket = connect(port);
                held.add(socket);
                byte[] ping = ("ping " + i).getBytes(StandardCharsets.US_ASCII);
                socket.getOutputStream().write(ping);
                assertThat(socket.getInputStream().readNBytes(ping.length)).as("round trip on channel %d", i).isEqualTo(ping);
            }
            assertThat(forward(forwarder, "echo").getActiveChannels()).isEqualTo(channels);
            // The blocking pump ran two threads per connection: 800 here.
            assertThat(forwarderThreads()).as("forwarder threads with %d channels open", channels).isLessThan(before + 10);
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> forward(forwarder, "echo").getActiveChannels() == 0);
        assertThat(forward(forwarder, "echo").getTotalChannels()).isEqualTo(channels);
    }

    @Test
    void aTargetThatSpeaksFirstIsHeardThroughLocalAndAfterTheSocksReply() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Thread greeter = new Thread(() -> greet(target), "greeter");
            greeter.setDaemon(true);
            greeter.start();
            int local = Ports.free();
            int socks = Ports.free();
            forwarder = ForwarderHarness.start(tunnel().local("smtp", local, "127.0.0.1", target.getLocalPort())
                    .dynamic("proxy", socks));
            awaitAllActive(forwarder);

            try (Socket socket = connect(local)) {
                // Nothing sent: the greeting arrives on its own.
                assertThat(socket.getInputStream().readNBytes(BANNER.length)).isEqualTo(BANNER);
                socket.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(socket.getInputStream().readNBytes(6)).isEqualTo("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            try (Socket socket = connect(socks)) {
                // The SOCKS reply comes first and whole, then the greeting the target sent at once.
                int reply = Socks5.connect(socket, Socks5.IPV4, new byte[] {127, 0, 0, 1}, target.getLocalPort());
                assertThat(reply).as("SOCKS5 REP").isZero();
                assertThat(socket.getInputStream().readNBytes(BANNER.length)).isEqualTo(BANNER);
            }
        }
    }

    @Test
    void remoteChannelsAreCountedAndAnUnreachableTargetIsReported() throws Exception {
        int closedPort = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().remote("hooks", 0, "127.0.0.1", echo.port())
                .remote("dead", 0, "127.0.0.1", closedPort));
        int hooks = ForwarderHarness.awaitForward(forwarder, "hooks", f -> f.getBoundPort() != null).getBoundPort();
        int dead = ForwarderHarness.awaitForward(forwarder, "dead", f -> f.getBoundPort() != null).getBoundPort();

        byte[] ping = "counted".getBytes(StandardCharsets.US_ASCII);
        assertThat(ForwarderHarness.roundTrip(hooks, ping)).isEqualTo(ping);
        await().atMost(Duration.ofSeconds(10)).until(() -> forward(forwarder, "hooks").getTotalChannels() == 1
                && forward(forwarder, "hooks").getActiveChannels() == 0);

        try (Socket socket = connect(dead)) {
            // sshd closes the connection once the forwarder refuses the channel.
            assertThat(readOrReset(socket)).isEqualTo(-1);
        }
        var failed = ForwarderHarness.awaitForward(forwarder, "dead", f -> f.getFailedChannels() == 1);
        assertThat(failed.getLastError()).startsWith("Unreachable: cannot connect to 127.0.0.1:" + closedPort);
        assertThat(failed.getReason()).isEqualTo(Reason.Unreachable);
        assertThat(forward(forwarder, "hooks").getFailedChannels()).isZero();
    }

    private static int readOrReset(Socket socket) {
        try {
            return socket.getInputStream().read();
        } catch (IOException reset) {
            return -1;
        }
    }

    /** Writes the banner on every accepted connection, then echoes. */
    private static void greet(ServerSocket target) {
        while (!target.isClosed()) {
            try {
                Socket client = target.accept();
                Thread serve = new Thread(() -> {
                    try (client; InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
                        out.write(BANNER);
                        out.flush();
                        in.transferTo(out);
                    } catch (IOException ignored) {
                        // client went away
                    }
                });
                serve.setDaemon(true);
                serve.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Threads of the forwarder (its forward-* pools and MINA's sshd-* threads), not of the test or its targets. */
    private static int forwarderThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(name -> name.startsWith("forward-") || name.startsWith("sshd-"))
                .count();
    }
}
