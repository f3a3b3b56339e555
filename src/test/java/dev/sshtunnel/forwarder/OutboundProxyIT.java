package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitSession;
import static dev.sshtunnel.forwarder.ForwarderHarness.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.sshtunnel.api.v1alpha1.ProxyType;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.ScriptedPeer;
import dev.sshtunnel.testing.Socks5Proxy;
import dev.sshtunnel.testing.TinyProxy;
import dev.sshtunnel.testing.TunnelFiles;

/**
 * spec.ssh.proxy against real proxies on loopback (tinyproxy for HTTP CONNECT, a SOCKS5 one in the tests) and a
 * real sshd behind them; hostile proxies that stall or answer garbage.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OutboundProxyIT extends OpenSshForwarderIT {

    private static final String PASSWORD = "proxy-pass-4711-secret";
    private static final String WRONG = "not-the-proxy-pass-0815";

    private static SessionStatus connected(ForwarderProcess process) {
        return awaitSession(process, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));
    }

    private static SessionStatus failedWith(ForwarderProcess process, Reason reason) {
        return awaitSession(process, s -> s.getReason() == reason && s.getLastError() != null, Duration.ofSeconds(20));
    }

    private static void carriesTraffic(int port) throws Exception {
        assertThat(roundTrip(port, "through the proxy".getBytes())).isEqualTo("through the proxy".getBytes());
    }

    @Test
    void httpConnectWithoutAuthentication() throws Exception {
        try (TinyProxy proxy = TinyProxy.start(dir.resolve("tinyproxy"), List.of(sshd.port()), null, null)) {
            int port = Ports.free();
            TunnelFiles files = tunnel().proxy(ProxyType.HTTPConnect, "127.0.0.1", proxy.port()).local("echo", port, "127.0.0.1", echo.port());
            forwarder = ForwarderHarness.start(files);
            assertThat(connected(forwarder).getHostKeyFingerprint()).isEqualTo(sshd.hostKeyFingerprint());
            ForwarderHarness.awaitAllActive(forwarder);
            carriesTraffic(port);
            assertThat(proxy.log()).as("the session went through the proxy").contains("127.0.0.1:" + sshd.port());
        }
    }

    @Test
    void httpConnectWithBasicAuthenticationAndAWrongPasswordFixedInTheSecret() throws Exception {
        try (TinyProxy proxy = TinyProxy.start(dir.resolve("tinyproxy"), List.of(sshd.port()), "tunnel", PASSWORD)) {
            int port = Ports.free();
            TunnelFiles files = tunnel().proxy(ProxyType.HTTPConnect, "127.0.0.1", proxy.port())
                    .proxyCredentials("proxy-auth", "tunnel", WRONG).local("echo", port, "127.0.0.1", echo.port());
            forwarder = ForwarderHarness.start(files);
            SessionStatus refused = failedWith(forwarder, Reason.AuthenticationFailed);
            assertThat(refused.getState()).isEqualTo(SessionState.Failed);
            assertThat(refused.getLastError()).contains("proxy 127.0.0.1:" + proxy.port()).contains("401 Unauthorized")
                    .contains("Secret \"proxy-auth\" key \"user\"");
            assertNothingSecret(refused);

            files.proxyCredentials("proxy-auth", "tunnel", PASSWORD); // the forwarder reads it again before the next attempt
            connected(forwarder);
            ForwarderHarness.awaitAllActive(forwarder);
            carriesTraffic(port);
        }
    }

    @Test
    void httpProxyRefusingThePortIsUnreachableNamingTheProxyAndTheHop() throws Exception {
        int otherPort = Ports.free();
        try (TinyProxy proxy = TinyProxy.start(dir.resolve("tinyproxy"), List.of(otherPort), null, null)) {
            forwarder = ForwarderHarness.start(tunnel().proxy(ProxyType.HTTPConnect, "127.0.0.1", proxy.port()).dynamic("web", Ports.free()));
            SessionStatus refused = failedWith(forwarder, Reason.Unreachable);
            assertThat(refused.getLastError()).contains("proxy 127.0.0.1:" + proxy.port() + " refused CONNECT to 127.0.0.1:"
                    + sshd.port() + ": 403");
            assertThat(refused.getState()).isEqualTo(SessionState.Failed);
        }
    }

    @Test
    void socks5WithoutAuthenticationSendsTheHostNameForTheProxyToResolve() throws Exception {
        String name = "bastion.proxy-test.invalid"; // resolvable by the proxy only
        try (Socks5Proxy proxy = new Socks5Proxy(null, null, Map.of(name, "127.0.0.1"))) {
            int port = Ports.free();
            TunnelFiles files = new TunnelFiles(dir.resolve("named"), name, sshd.port(), sshd.user()).privateKey(userKey)
                    .hostKey("[" + name + "]:" + sshd.port() + " " + sshd.publicHostKey())
                    .proxy(ProxyType.SOCKS5, "127.0.0.1", proxy.port()).local("echo", port, "127.0.0.1", echo.port());
            forwarder = ForwarderHarness.start(files);
            connected(forwarder);
            ForwarderHarness.awaitAllActive(forwarder);
            carriesTraffic(port);
            assertThat(proxy.requests()).first().isEqualTo(new Socks5Proxy.Request(3, name, sshd.port()));
        }
    }

    @Test
    void socks5WithUsernameAndPasswordAndAWrongPassword() throws Exception {
        try (Socks5Proxy proxy = new Socks5Proxy("tunnel", PASSWORD, Map.of())) {
            int port = Ports.free();
            TunnelFiles files = tunnel().proxy(ProxyType.SOCKS5, "127.0.0.1", proxy.port())
                    .proxyCredentials("proxy-auth", "tunnel", WRONG).local("echo", port, "127.0.0.1", echo.port());
            forwarder = ForwarderHarness.start(files);
            SessionStatus refused = failedWith(forwarder, Reason.AuthenticationFailed);
            assertThat(refused.getLastError()).contains("proxy 127.0.0.1:" + proxy.port() + " refused the credentials");
            assertNothingSecret(refused);

            files.proxyCredentials("proxy-auth", "tunnel", PASSWORD);
            connected(forwarder);
            ForwarderHarness.awaitAllActive(forwarder);
            carriesTraffic(port);
            assertThat(proxy.requests()).allSatisfy(r -> assertThat(r.host()).isEqualTo("127.0.0.1"));
        }
    }

    @Test
    void withJumpHostsOnlyTheFirstHopGoesThroughTheProxy() throws Exception {
        try (Socks5Proxy proxy = new Socks5Proxy(null, null, Map.of());
                OpenSshServer jump = OpenSshServer.start(dir.resolve("jump"), List.of(Keys.publicKey(userKey)))) {
            int port = Ports.free();
            TunnelFiles files = tunnel().proxy(ProxyType.SOCKS5, "127.0.0.1", proxy.port()).local("echo", port, "127.0.0.1", echo.port());
            files.ssh().setJumpHosts(List.of(files.jumpHost(jump, userKey, "hop")));
            forwarder = ForwarderHarness.start(files);
            connected(forwarder);
            ForwarderHarness.awaitAllActive(forwarder);
            carriesTraffic(port);
            // The server behind the jump host is reached inside the session, never through the proxy.
            assertThat(proxy.requests()).isNotEmpty().allSatisfy(r -> assertThat(r.port()).isEqualTo(jump.port()));
        }
    }

    @Test
    void aProxyPortNobodyListensOnOrANameThatDoesNotResolveIsUnreachableNamingTheProxy() throws Exception {
        int closed = Ports.free();
        forwarder = ForwarderHarness.start(tunnel().proxy(ProxyType.SOCKS5, "127.0.0.1", closed).dynamic("web", Ports.free()));
        SessionStatus refused = failedWith(forwarder, Reason.Unreachable);
        assertThat(refused.getLastError()).isEqualTo("Unreachable: cannot connect to proxy 127.0.0.1:" + closed + ": Connection refused");
        assertThat(refused.getState()).isEqualTo(SessionState.Connecting);
        forwarder.close();

        forwarder = ForwarderHarness.start(new TunnelFiles(dir.resolve("unknown"), "127.0.0.1", sshd.port(), sshd.user()).privateKey(userKey)
                .hostKey(sshd.knownHostsLine()).proxy(ProxyType.HTTPConnect, "proxy.proxy-test.invalid", 3128).dynamic("web", Ports.free()));
        assertThat(failedWith(forwarder, Reason.Unreachable).getLastError())
                .isEqualTo("Unreachable: cannot connect to proxy proxy.proxy-test.invalid:3128: unknown host proxy.proxy-test.invalid");
    }

    @Test
    void aProxyThatNeverAnswersFailsWithinTheConnectTimeout() throws Exception {
        try (ScriptedPeer silent = new ScriptedPeer(new byte[0])) {
            TunnelFiles files = tunnel().proxy(ProxyType.HTTPConnect, "127.0.0.1", silent.port()).dynamic("web", Ports.free());
            files.ssh().setConnectTimeoutSeconds(2);
            long start = System.nanoTime();
            forwarder = ForwarderHarness.start(files);
            SessionStatus stalled = failedWith(forwarder, Reason.Unreachable);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2_900));
            assertThat(stalled.getLastError()).contains("proxy 127.0.0.1:" + silent.port() + " did not complete CONNECT to 127.0.0.1:"
                    + sshd.port() + " within 2 s");
        }
    }

    @Test
    void aProxyAnsweringGarbageGetsAClearCleanReason() throws Exception {
        byte[] garbage = "\u001b[2JSSH-2.0-not-a-proxy\r\nForged: line\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        try (ScriptedPeer http = new ScriptedPeer(garbage); ScriptedPeer socks = new ScriptedPeer(garbage)) {
            forwarder = ForwarderHarness.start(tunnel().proxy(ProxyType.HTTPConnect, "127.0.0.1", http.port()).dynamic("web", Ports.free()));
            SessionStatus notHttp = failedWith(forwarder, Reason.Unreachable);
            assertThat(notHttp.getLastError()).contains("did not answer CONNECT as an HTTP proxy").contains("SSH-2.0-not-a-proxy")
                    .doesNotContain("\u001b").doesNotContain("\r").doesNotContain("\n");
            forwarder.close();
            forwarder = null;

            forwarder = ForwarderHarness.start(new TunnelFiles(dir.resolve("socks"), "127.0.0.1", sshd.port(), sshd.user())
                    .privateKey(userKey).hostKey(sshd.knownHostsLine()).proxy(ProxyType.SOCKS5, "127.0.0.1", socks.port())
                    .dynamic("web", Ports.free()));
            SessionStatus notSocks = failedWith(forwarder, Reason.Unreachable);
            assertThat(notSocks.getLastError()).contains("did not answer as a SOCKS5 proxy (first bytes 1b5b)");
        }
    }

    private static void assertNothingSecret(SessionStatus status) {
        for (String secret : List.of(PASSWORD, WRONG)) {
            String basic = Base64.getEncoder().encodeToString(("tunnel:" + secret).getBytes(StandardCharsets.UTF_8));
            assertThat(status.getLastError()).doesNotContain(secret).doesNotContain(basic);
        }
    }
}
