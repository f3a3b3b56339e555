package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitForward;
import static dev.sshtunnel.forwarder.ForwarderHarness.connect;
import static dev.sshtunnel.forwarder.ForwarderHarness.forward;
import static dev.sshtunnel.forwarder.ForwarderHarness.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.ProbeConnect;
import dev.sshtunnel.api.v1alpha1.ProbeSpec;
import dev.sshtunnel.api.v1alpha1.ProbeState;
import dev.sshtunnel.config.policy.TargetPolicy;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.Socks5;
import dev.sshtunnel.testing.TunnelFiles;

/**
 * Probes of each forward type through a real OpenSSH sshd (issue 28), at the CRD's shortest interval (5 s): a
 * probe goes Failing within interval × (failureThreshold + 1) of the forward starting (its first tick falls at a
 * random phase within the first interval) and Passing within an interval of the target coming back.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ForwardProbeIT extends OpenSshForwarderIT {

    private static final int INTERVAL = 5;

    private static ProbeSpec probe(int failureThreshold, boolean affectsReadiness) {
        ProbeSpec probe = new ProbeSpec();
        probe.setIntervalSeconds(INTERVAL);
        probe.setTimeoutSeconds(2);
        probe.setFailureThreshold(failureThreshold);
        probe.setSuccessThreshold(1);
        probe.setAffectsReadiness(affectsReadiness);
        return probe;
    }

    private static ProbeConnect to(String host, int port) {
        ProbeConnect connect = new ProbeConnect();
        connect.setHost(host);
        connect.setPort(port);
        return connect;
    }

    private ForwardStatus awaitProbe(String name, Duration within, Predicate<ForwardStatus> condition) {
        return await().atMost(within).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> forward(forwarder, name), condition);
    }

    private static Predicate<ForwardStatus> probeIs(ProbeState state) {
        return f -> f.getProbe() != null && f.getProbe().getState() == state;
    }

    /** A target that accepts and closes: enough for a probe, which sends nothing. */
    private static ServerSocket listen(String address, int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        Thread acceptor = new Thread(() -> {
            while (!socket.isClosed()) {
                try (Socket accepted = socket.accept()) {
                    accepted.getInputStream().read();
                } catch (IOException closed) {
                    // the test closed it, or the probe did
                }
            }
        }, "probe-target");
        acceptor.setDaemon(true);
        acceptor.start();
        return socket;
    }

    private String metrics() throws Exception {
        return get(forwarder, "/q/metrics").body();
    }

    private static long probeCount(String metrics, String forward) {
        Matcher m = Pattern.compile("sshtunnel_forward_probe_duration_seconds_count\\{[^}]*forward=\"" + forward + "\"[^}]*\\} (\\d+)")
                .matcher(metrics);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @Test
    void localProbeFailsAtTheThresholdTakesThePodOutOfReadinessAndRecovers() throws Exception {
        int target = Ports.free();
        long started = System.nanoTime();
        forwarder = ForwarderHarness.start(tunnel().local("db", Ports.free(), "127.0.0.1", target)
                .with(f -> f.setProbe(probe(2, true))));
        awaitForward(forwarder, "db", f -> f.getState() == ForwardState.Active);
        assertThat(forward(forwarder, "db").getProbe().getState()).as("no verdict yet").isEqualTo(ProbeState.Unknown);
        assertThat(metrics()).as("absent while Unknown").doesNotContain("sshtunnel_forward_probe_up{");

        ForwardStatus failing = awaitProbe("db", Duration.ofSeconds(INTERVAL * 3 + 5), probeIs(ProbeState.Failing));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(INTERVAL * 3 + 2));
        assertThat(failing.getProbe().getConsecutiveFailures()).isGreaterThanOrEqualTo(2);
        assertThat(failing.getProbe().getMessage()).startsWith("Unreachable:").contains("127.0.0.1:" + target)
                .containsIgnoringCase("connect");
        assertThat(failing.getProbe().getLastSuccessTime()).isNull();
        // The probe's channels are not the users': nothing counted, nothing refused in their name.
        assertThat(failing.getState()).isEqualTo(ForwardState.Active);
        assertThat(failing.getTotalChannels()).isZero();
        assertThat(failing.getFailedChannels()).isZero();
        assertThat(failing.getLastError()).isEmpty();

        var ready = get(forwarder, "/q/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("\"name\":\"probes\",\"status\":\"DOWN\"").contains("\"db\":\"Unreachable:");
        assertThat(get(forwarder, "/q/health/live").statusCode()).isEqualTo(200);
        String failingMetrics = metrics();
        assertThat(failingMetrics).contains("sshtunnel_forward_probe_up{namespace=\"default\",tunnel=\"test\",forward=\"db\",type=\"Local\"} 0")
                .contains("# TYPE sshtunnel_forward_probe_duration_seconds histogram");
        assertThat(probeCount(failingMetrics, "db")).isGreaterThanOrEqualTo(2);

        try (ServerSocket listening = listen("127.0.0.1", target)) {
            ForwardStatus passing = awaitProbe("db", Duration.ofSeconds(INTERVAL + 3), probeIs(ProbeState.Passing));
            assertThat(passing.getProbe().getConsecutiveFailures()).isZero();
            assertThat(passing.getProbe().getMessage()).isEmpty();
            assertThat(passing.getProbe().getLatencyMs()).isNotNull().isLessThan(2_000L);
            assertThat(passing.getProbe().getLastSuccessTime()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
            assertThat(passing.getTotalChannels()).isZero();
            assertThat(passing.getFailedChannels()).isZero();
            assertThat(get(forwarder, "/q/health/ready").statusCode()).isEqualTo(200);
            assertThat(get(forwarder, "/q/health/live").statusCode()).isEqualTo(200);
            assertThat(metrics()).contains(
                    "sshtunnel_forward_probe_up{namespace=\"default\",tunnel=\"test\",forward=\"db\",type=\"Local\"} 1");
        }
    }

    @Test
    void remoteProbeConnectsFromThePodAndADeniedTargetIsNeverConnected() throws Exception {
        int target = Ports.free();
        try (ServerSocket denied = new ServerSocket()) {
            denied.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
            forwarder = ForwarderHarness.start(tunnel()
                    .remote("hooks", 0, "127.0.0.1", target).with(f -> f.setProbe(probe(1, false)))
                    .remote("inner", 0, "127.0.0.2", denied.getLocalPort()).with(f -> f.setProbe(probe(1, false))),
                    TargetPolicy.of(List.of("127.0.0.2/32"), List.of(), Optional.empty()));
            ForwardStatus failing = awaitProbe("hooks", Duration.ofSeconds(INTERVAL * 2 + 5), probeIs(ProbeState.Failing));
            assertThat(failing.getProbe().getMessage()).startsWith("Unreachable: cannot connect to 127.0.0.1:" + target + " from the forwarder");
            assertThat(failing.getTotalChannels()).isZero();
            ForwardStatus refused = awaitProbe("inner", Duration.ofSeconds(INTERVAL * 2 + 5), probeIs(ProbeState.Failing));
            assertThat(refused.getProbe().getMessage()).startsWith("TargetNotAllowed:").contains("127.0.0.2");
            // Not affectsReadiness: the pod stays ready; only the probe says the path is broken.
            assertThat(get(forwarder, "/q/health/ready").statusCode()).isEqualTo(200);
            denied.setSoTimeout(200);
            try (Socket connected = denied.accept()) {
                throw new AssertionError("the probe connected to a denied target from " + connected.getRemoteSocketAddress());
            } catch (SocketTimeoutException expected) {
                // nothing in the backlog: the policy refused before any connect
            }
        }
        try (ServerSocket listening = listen("127.0.0.1", target)) {
            ForwardStatus passing = awaitProbe("hooks", Duration.ofSeconds(INTERVAL + 3), probeIs(ProbeState.Passing));
            assertThat(passing.getProbe().getLatencyMs()).isNotNull();
            assertThat(metrics()).contains(
                    "sshtunnel_forward_probe_up{namespace=\"default\",tunnel=\"test\",forward=\"hooks\",type=\"Remote\"} 1");
        }
    }

    @Test
    void dynamicProbeIsAddedChangedAndRemovedLiveWithoutTouchingTheListenerOrTheUsersChannels() throws Exception {
        int port = Ports.free();
        int closed = Ports.free();
        // maxConnections 1, held by the user's connection below: the probe takes no place under it.
        TunnelFiles files = tunnel().dynamic("proxy", port).with(f -> f.setMaxConnections(1));
        forwarder = ForwarderHarness.start(files);
        awaitForward(forwarder, "proxy", f -> f.getState() == ForwardState.Active);
        assertThat(forward(forwarder, "proxy").getProbe()).isNull();

        try (Socket user = connect(port)) {
            // A user's channel open across every change below: the forward is kept, never re-created.
            assertThat(Socks5.connect(user, Socks5.IPV4, new byte[] {127, 0, 0, 1}, echo.port())).isZero();

            files.change("proxy", f -> {
                ProbeSpec probe = probe(1, false);
                probe.setConnect(to("127.0.0.1", echo.port()));
                f.setProbe(probe);
            }).write();
            awaitProbe("proxy", Duration.ofSeconds(INTERVAL + 5), probeIs(ProbeState.Passing));

            files.change("proxy", f -> f.getProbe().setConnect(to("127.0.0.1", closed))).write();
            ForwardStatus failing = awaitProbe("proxy", Duration.ofSeconds(INTERVAL * 2 + 5), probeIs(ProbeState.Failing));
            assertThat(failing.getProbe().getMessage()).startsWith("Unreachable: server could not connect to 127.0.0.1:" + closed);

            files.change("proxy", f -> f.setProbe(null)).write();
            await().atMost(Duration.ofSeconds(5)).until(() -> forward(forwarder, "proxy").getProbe() == null);
            assertThat(metrics()).doesNotContain("sshtunnel_forward_probe_up{");

            user.getOutputStream().write("still open".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(user.getInputStream().readNBytes(10), StandardCharsets.US_ASCII)).isEqualTo("still open");
            ForwardStatus after = forward(forwarder, "proxy");
            assertThat(after.getTotalChannels()).as("the user's one channel, none of the probes'").isEqualTo(1);
            assertThat(after.getActiveChannels()).isEqualTo(1);
            assertThat(after.getFailedChannels()).as("no probe was refused for the user's maxConnections").isZero();
        }
    }

    @Test
    void aServerThatRefusesProbeChannelsIsReportedAndProbedOnlyAtTheInterval() throws Exception {
        sshd.close();
        sshd = OpenSshServer.start(dir.resolve("sshd-no-open"), List.of(Keys.publicKey(userKey)), "PermitOpen none");
        long started = System.nanoTime();
        forwarder = ForwarderHarness.start(tunnel().local("db", Ports.free(), "127.0.0.1", echo.port())
                .with(f -> f.setProbe(probe(1, false))));
        ForwardStatus refused = awaitProbe("db", Duration.ofSeconds(INTERVAL * 2 + 5), probeIs(ProbeState.Failing));
        assertThat(refused.getProbe().getMessage()).startsWith("ForwardRejected: server refused a channel to 127.0.0.1:" + echo.port())
                .contains("administratively prohibited");
        assertThat(refused.getFailedChannels()).isZero();
        Thread.sleep(INTERVAL * 1000L);
        double elapsed = (System.nanoTime() - started) / 1e9;
        long probes = probeCount(metrics(), "db");
        assertThat(probes).as("one probe per interval at most, however often the server refuses").isBetween(1L,
                (long) (elapsed / INTERVAL) + 1);
        assertThat(echo.accepted()).isZero();
    }
}
