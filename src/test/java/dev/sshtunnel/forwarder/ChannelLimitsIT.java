package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitForward;
import static dev.sshtunnel.forwarder.ForwarderHarness.connect;
import static dev.sshtunnel.forwarder.ForwarderHarness.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.testing.Ports;

/**
 * What one forward lets its clients hold, against a real sshd: maxConnections, the idle deadline,
 * TCP keepalive on forwarded sockets, and the connect deadline toward Remote targets.
 */
class ChannelLimitsIT extends OpenSshForwarderIT {

    @Test
    void oneConnectionOverMaxConnectionsIsClosedAtOnceAndThePlaceComesBack() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().local("db", port, "127.0.0.1", echo.port()).with(f -> f.setMaxConnections(3)));
        awaitForward(forwarder, "db", f -> f.getState() == ForwardState.Active);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket socket = connect(port);
                socket.getOutputStream().write('x');
                assertThat(socket.getInputStream().read()).isEqualTo('x');
                held.add(socket);
            }
            try (Socket fourth = connect(port)) {
                fourth.setSoTimeout(2_000);
                assertThat(closedByPeer(fourth)).as("the 4th connection is closed at once").isTrue();
            }
            assertThat(ForwarderHarness.forward(forwarder, "db").getLastError())
                    .isEqualTo("ForwardRejected: 3 connections open (maxConnections), connection closed");
            assertThat(ForwarderHarness.forward(forwarder, "db").getReason()).isEqualTo(Reason.ForwardRejected);

            held.remove(0).close();
            awaitForward(forwarder, "db", f -> f.getActiveChannels() == 2);
            assertThat(roundTrip(port, "again".getBytes())).isEqualTo("again".getBytes());
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void aRemoteForwardRefusesTheServersChannelOverMaxConnections() throws Exception {
        forwarder = ForwarderHarness.start(tunnel().remote("hooks", 0, "127.0.0.1", echo.port()).with(f -> f.setMaxConnections(1)));
        int bound = awaitForward(forwarder, "hooks", f -> f.getState() == ForwardState.Active).getBoundPort();
        try (Socket first = connect(bound)) {
            first.getOutputStream().write('x');
            assertThat(first.getInputStream().read()).isEqualTo('x');
            try (Socket second = connect(bound)) {
                second.setSoTimeout(5_000);
                assertThat(closedByPeer(second)).as("sshd closes the connection whose channel was refused").isTrue();
            }
            assertThat(ForwarderHarness.forward(forwarder, "hooks").getLastError())
                    .isEqualTo("ForwardRejected: 1 connections open (maxConnections), channel from the server refused");
            assertThat(ForwarderHarness.forward(forwarder, "hooks").getReason()).isEqualTo(Reason.ForwardRejected);
            first.getOutputStream().write('y');
            assertThat(first.getInputStream().read()).as("the admitted channel is untouched").isEqualTo('y');
        }
    }

    @Test
    void idleConnectionsAreClosedAfterIdleTimeoutButTalkingOnesAreNot() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().local("db", port, "127.0.0.1", echo.port()).with(f -> f.setIdleTimeoutSeconds(2)));
        awaitForward(forwarder, "db", f -> f.getState() == ForwardState.Active);
        try (Socket idle = connect(port); Socket talking = connect(port)) {
            for (Socket socket : List.of(idle, talking)) {
                socket.getOutputStream().write('x');
                assertThat(socket.getInputStream().read()).isEqualTo('x');
            }
            long start = System.nanoTime();
            for (int i = 0; i < 10; i++) { // 5 s of a byte every 500 ms
                Thread.sleep(500);
                talking.getOutputStream().write('t');
                assertThat(talking.getInputStream().read()).isEqualTo('t');
            }
            idle.setSoTimeout(5_000);
            assertThat(closedByPeer(idle)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        }
        assertThat(ForwarderHarness.forward(forwarder, "db").getFailedChannels()).as("an idle close is no failure").isZero();
    }

    @Test
    void forwardedSocketsProbeAnIdlePeerAfterAMinuteNotTwoHours() throws Exception {
        int port = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().local("db", port, "127.0.0.1", echo.port()));
        awaitForward(forwarder, "db", f -> f.getState() == ForwardState.Active);
        try (Socket client = connect(port)) {
            client.getOutputStream().write('x');
            assertThat(client.getInputStream().read()).isEqualTo('x');
            // The forwarder's end of this connection: local port = the forward's, remote port = the client's.
            String timer = await().atMost(Duration.ofSeconds(5))
                    .until(() -> tcpTimer(port, client.getLocalPort()), t -> t != null && t.startsWith("02:"));
            long ticks = Long.parseLong(timer.substring(3), 16); // USER_HZ (100/s) until the first probe
            assertThat(ticks).isBetween(50L * 100, 60L * 100);
        }
    }

    @Test
    void aRemoteTargetThatDoesNotAnswerFailsTheChannelAfterConnectTimeout() throws Exception {
        // A listener whose accept queue is full: the kernel drops further SYNs, so a connect just waits.
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            List<Socket> queued = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Socket socket = new Socket();
                    try {
                        socket.connect(new InetSocketAddress("127.0.0.1", full.getLocalPort()), 500);
                    } catch (IOException timedOut) {
                        // the queue is full already
                    }
                    queued.add(socket);
                }
                var files = tunnel().remote("hooks", 0, "127.0.0.1", full.getLocalPort());
                files.ssh().setConnectTimeoutSeconds(2);
                forwarder = ForwarderHarness.start(files);
                int bound = awaitForward(forwarder, "hooks", f -> f.getState() == ForwardState.Active).getBoundPort();
                long start = System.nanoTime();
                try (Socket client = connect(bound)) {
                    client.setSoTimeout(15_000);
                    assertThat(closedByPeer(client)).isTrue();
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(8));
                assertThat(ForwarderHarness.forward(forwarder, "hooks").getLastError())
                        .isEqualTo("Unreachable: cannot connect to 127.0.0.1:" + full.getLocalPort() + ": no answer within 2 s");
                assertThat(ForwarderHarness.forward(forwarder, "hooks").getReason()).isEqualTo(Reason.Unreachable);
            } finally {
                for (Socket socket : queued) {
                    socket.close();
                }
            }
        }
    }

    private static boolean closedByPeer(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read() == -1;
        } catch (SocketException e) {
            return e.getMessage().contains("reset");
        }
    }

    /** The "tr:tm->when" field of the socket from localPort to remotePort in /proc/net/tcp or tcp6 (Java's dual stack), or null. */
    private static String tcpTimer(int localPort, int remotePort) throws IOException {
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] fields = line.trim().split("\\s+");
                if (fields[1].endsWith(String.format(":%04X", localPort)) && fields[2].endsWith(String.format(":%04X", remotePort))) {
                    return fields[5];
                }
            }
        }
        return null;
    }
}
