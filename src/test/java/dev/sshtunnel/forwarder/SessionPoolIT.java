package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitForward;
import static dev.sshtunnel.forwarder.ForwarderHarness.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.Processes;
import dev.sshtunnel.testing.Socks5;
import dev.sshtunnel.testing.TunnelFiles;

/**
 * spec.ssh.sessions: several SSH sessions to one real sshd, new channels on the least busy one,
 * Remote forwards on one session; a session killed on the server (its sshd processes SIGKILLed)
 * takes only its own channels, new connections go to the others, and it comes back.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SessionPoolIT extends OpenSshForwarderIT {

    private final List<Socket> held = new ArrayList<>();

    @AfterEach
    void closeHeld() throws IOException {
        for (Socket socket : held) {
            socket.close();
        }
    }

    @Test
    void channelsAreSpreadAndAKilledSessionLeavesTheOthersServing() throws Exception {
        int local = Ports.free();
        int socks = Ports.free();
        int remote = Ports.free();
        TunnelFiles files = tunnel().local("a", local, "127.0.0.1", echo.port()).dynamic("d", socks)
                .remote("r", remote, "127.0.0.1", echo.port());
        files.ssh().setSessions(3);
        forwarder = ForwarderHarness.start(files);
        ForwarderHarness.awaitAllActive(forwarder);
        await().atMost(Duration.ofSeconds(20)).until(() -> connected(forwarder.status().sessions()) == 3);
        List<ClientSession> live = forwarder.sessions().live();
        assertThat(live).doesNotContainNull().doesNotHaveDuplicates();
        assertThat(live.stream().map(SessionPoolIT::clientPort).distinct()).as("three TCP connections to sshd").hasSize(3);

        // Nine connections held open through the Local forward, three through the SOCKS one: three of each per session.
        for (int i = 0; i < 9; i++) {
            held.add(open(local));
        }
        assertThat(channelsPerSession()).containsExactly(3, 3, 3);
        for (int i = 0; i < 3; i++) {
            Socket socket = ForwarderHarness.connect(socks);
            assertThat(Socks5.connect(socket, Socks5.IPV4, new byte[] {127, 0, 0, 1}, echo.port())).isZero();
            echoes(socket, "socks " + i);
            held.add(socket);
        }
        assertThat(channelsPerSession()).containsExactly(4, 4, 4);
        assertThat(roundTrip(remote, "via r".getBytes())).isEqualTo("via r".getBytes());

        // A session that is not the lead dies on the server: only its channels end.
        ClientSession lead = forwarder.sessions().lead();
        int victim = live.indexOf(live.stream().filter(s -> s != lead).findFirst().orElseThrow());
        killOnServer(live.get(victim));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> forwarder.status().sessions().get(victim).getState() != SessionState.Connected);
        List<Socket> cut = new ArrayList<>();
        for (Socket socket : held) {
            if (!tryEcho(socket)) {
                cut.add(socket);
            }
        }
        assertThat(cut).as("the channels of the killed session, and no other").hasSize(4);
        // New connections while it is down all go to the two that are up.
        for (int i = 0; i < 30; i++) {
            assertThat(roundTrip(local, ("new " + i).getBytes())).isEqualTo(("new " + i).getBytes());
        }
        assertThat(ForwarderHarness.forward(forwarder, "a").getFailedChannels()).isZero();
        assertThat(ForwarderHarness.forward(forwarder, "r").getState()).isEqualTo(ForwardState.Active);
        assertThat(forwarder.sessions().lead()).as("the Remote forwards stay where they were").isSameAs(lead);

        // It comes back on its own, counted as a reconnect of that session.
        await().atMost(Duration.ofSeconds(20)).until(() -> connected(forwarder.status().sessions()) == 3);
        assertThat(forwarder.status().sessions().get(victim).getReconnects()).isEqualTo(1);
        assertThat(forwarder.status().session().getReconnects()).as("summed").isEqualTo(1);

        // The lead dies: another session binds the Remote forward, which serves again.
        killOnServer(lead);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            ClientSession next = forwarder.sessions().lead();
            return next != null && next != lead;
        });
        awaitForward(forwarder, "r", f -> f.getState() == ForwardState.Active);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> Arrays.equals(roundTrip(remote, "moved".getBytes()), "moved".getBytes()));
        assertThat(forwarder.status().session().getState()).isEqualTo(SessionState.Connected);
    }

    /**
     * Going from one session to two is a live change like any other of the SSH settings: the new
     * sessions connect while the old one serves, then take the new connections; the channel open on the
     * old one may finish within the grace period (2 s in the harness).
     */
    @Test
    void theNumberOfSessionsChangesLive() throws Exception {
        int local = Ports.free();
        TunnelFiles files = tunnel().local("a", local, "127.0.0.1", echo.port());
        forwarder = ForwarderHarness.start(files);
        ForwarderHarness.awaitAllActive(forwarder);
        assertThat(forwarder.status().sessions()).as("one session: no per-session list").isNull();
        Socket before = open(local);
        held.add(before);

        files.ssh().setSessions(2);
        files.write();
        await().atMost(Duration.ofSeconds(20)).until(() -> connected(forwarder.status().sessions()) == 2);
        assertThat(tryEcho(before)).as("still open within the grace period").isTrue();
        for (int i = 0; i < 4; i++) {
            held.add(open(local));
        }
        assertThat(channelsPerSession()).containsExactly(2, 2);
        assertThat(ForwarderHarness.forward(forwarder, "a").getFailedChannels()).isZero();
    }

    /**
     * AcceptNew is one first-use decision per process: with two sessions, the second connection (held by a
     * relay until the first session is up) reaches another sshd with another host key, as a man in the
     * middle on the path of one session would. That session refuses the key the first did not accept,
     * instead of trusting it on its own.
     */
    @Test
    void theSessionsOfAPoolShareOneFirstUseDecision() throws Exception {
        try (OpenSshServer impostor = OpenSshServer.start(dir.resolve("impostor"), List.of(Keys.publicKey(userKey)));
                SwitchingRelay relay = new SwitchingRelay(sshd.port(), impostor.port())) {
            assertThat(impostor.hostKeyFingerprint()).isNotEqualTo(sshd.hostKeyFingerprint());
            TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", relay.port(), sshd.user())
                    .privateKey(userKey).local("a", Ports.free(), "127.0.0.1", echo.port());
            files.hostKey(files.ssh(), HostKeyPolicy.AcceptNew, null);
            files.ssh().setSessions(2);
            forwarder = ForwarderHarness.start(files);
            await().atMost(Duration.ofSeconds(20)).until(() -> connected(forwarder.status().sessions()) == 1);

            relay.switchOver();
            SessionStatus refused = await().atMost(Duration.ofSeconds(30)).until(() -> forwarder.status().sessions().stream()
                    .filter(s -> s.getReason() == Reason.HostKeyMismatch).findFirst(), java.util.Optional::isPresent).get();
            assertThat(refused.getLastError()).contains(impostor.hostKeyFingerprint().replaceAll("=+$", ""))
                    .contains("accepted first");
            assertThat(forwarder.status().sessions()).filteredOn(s -> s.getState() == SessionState.Connected)
                    .singleElement().satisfies(s -> assertThat(s.getHostKeyFingerprint().replaceAll("=+$", ""))
                            .isEqualTo(sshd.hostKeyFingerprint().replaceAll("=+$", "")));
            assertThat(relay.switched()).as("the second session did reach the other server").isPositive();
        }
    }

    /**
     * A TCP relay on loopback: its first connection goes to one port; every later one waits until
     * {@link #switchOver} and then goes to the other.
     */
    private static final class SwitchingRelay implements AutoCloseable {
        private final java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        private final java.util.concurrent.CountDownLatch switched = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.atomic.AtomicInteger toSecond = new java.util.concurrent.atomic.AtomicInteger();
        private final List<Socket> sockets = java.util.Collections.synchronizedList(new ArrayList<>());

        SwitchingRelay(int first, int second) throws IOException {
            Thread accept = new Thread(() -> {
                int n = 0;
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        sockets.add(client);
                        boolean firstOne = n++ == 0;
                        Thread relay = new Thread(() -> relay(client, firstOne ? first : second, firstOne), "switching-relay");
                        relay.setDaemon(true);
                        relay.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "switching-relay-accept");
            accept.setDaemon(true);
            accept.start();
        }

        private void relay(Socket client, int port, boolean firstOne) {
            try {
                if (!firstOne) {
                    switched.await();
                    toSecond.incrementAndGet();
                }
                Socket target = new Socket(java.net.InetAddress.getLoopbackAddress(), port);
                sockets.add(target);
                Thread back = new Thread(() -> pump(target, client), "switching-relay-back");
                back.setDaemon(true);
                back.start();
                pump(client, target);
            } catch (IOException | InterruptedException e) {
                close(client);
            }
        }

        private static void pump(Socket from, Socket to) {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
            } catch (IOException e) {
                // one side closed
            } finally {
                close(from);
                close(to);
            }
        }

        private static void close(Socket socket) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing
            }
        }

        int port() {
            return server.getLocalPort();
        }

        void switchOver() {
            switched.countDown();
        }

        int switched() {
            return toSecond.get();
        }

        @Override
        public void close() throws IOException {
            server.close();
            switched.countDown();
            synchronized (sockets) {
                sockets.forEach(SwitchingRelay::close);
            }
        }
    }

    private static int connected(List<SessionStatus> sessions) {
        return sessions == null ? 0 : (int) sessions.stream().filter(s -> s.getState() == SessionState.Connected).count();
    }

    private List<Integer> channelsPerSession() {
        return forwarder.status().sessions().stream().map(SessionStatus::getActiveChannels).toList();
    }

    private static Socket open(int port) throws IOException {
        Socket socket = ForwarderHarness.connect(port);
        echoes(socket, "hello " + port);
        return socket;
    }

    private static void echoes(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes());
        InputStream in = socket.getInputStream();
        assertThat(new String(in.readNBytes(text.length()))).isEqualTo(text);
    }

    private static boolean tryEcho(Socket socket) {
        try {
            socket.setSoTimeout(5_000);
            echoes(socket, "still there?");
            return true;
        } catch (IOException | AssertionError e) {
            return false;
        }
    }

    private static int clientPort(ClientSession session) {
        return ((InetSocketAddress) session.getIoSession().getLocalAddress()).getPort();
    }

    /** SIGKILL to every sshd process holding the server end of this session's TCP connection. */
    private void killOnServer(ClientSession session) {
        String sockets = Processes.run(List.of("ss", "-Htnp", "state", "established", "( sport = :" + sshd.port()
                + " and dport = :" + clientPort(session) + " )"));
        Matcher pid = Pattern.compile("pid=(\\d+)").matcher(sockets);
        List<String> pids = new ArrayList<>();
        while (pid.find()) {
            pids.add(pid.group(1));
        }
        assertThat(pids).as("sshd processes of the session: %s", sockets).isNotEmpty();
        pids.stream().distinct().filter(Objects::nonNull).forEach(p -> Processes.signal(Long.parseLong(p), "KILL"));
    }
}
