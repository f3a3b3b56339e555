package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitSession;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.TunnelFiles;

/**
 * Input a user can get wrong that only the forwarder can judge: each one leaves the forwarder up
 * (no crash loop), not ready, with a lastError that starts with a taxonomy reason and says what is
 * wrong.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BadInputIT extends OpenSshForwarderIT {

    private static final Duration SOON = Duration.ofSeconds(20);

    private void assertStillUpButNotReady() throws Exception {
        assertThat(ForwarderHarness.get(forwarder, "/q/health/live").statusCode()).isEqualTo(200);
        assertThat(ForwarderHarness.get(forwarder, "/q/health/ready").statusCode()).isEqualTo(503);
    }

    @Test
    void garbageKnownHostsTrustsNothing() throws Exception {
        forwarder = ForwarderHarness.start(tunnel().hostKey("this is not a known_hosts line").dynamic("p", Ports.free()));
        var session = awaitSession(forwarder, s -> s.getState() == SessionState.Failed, SOON);
        assertThat(session.getLastError()).startsWith("HostKeyUnknown:").contains(sshd.hostKeyFingerprint());
        assertThat(session.getReason()).isEqualTo(Reason.HostKeyUnknown);
        assertStillUpButNotReady();
    }

    @Test
    void unresolvableHostIsUnreachableNamingTheHost() throws Exception {
        forwarder = ForwarderHarness.start(new TunnelFiles(dir.resolve("t"), "no-such-bastion.invalid", 22, "u")
                .privateKey(userKey).hostKey("").dynamic("p", Ports.free()));
        var session = awaitSession(forwarder, s -> s.getLastError() != null && !s.getLastError().isEmpty(), SOON);
        assertThat(session.getState()).isNotEqualTo(SessionState.Connected);
        assertThat(session.getLastError()).startsWith("Unreachable:").contains("no-such-bastion.invalid");
        assertThat(session.getReason()).isEqualTo(Reason.Unreachable);
        assertStillUpButNotReady();
    }

    @Test
    void keyInAFormatTheForwarderCannotReadIsAuthenticationFailed() throws Exception {
        Path putty = dir.resolve("id.ppk");
        Files.writeString(putty, """
                PuTTY-User-Key-File-3: ssh-ed25519
                Encryption: none
                Comment: not-for-openssh
                Public-Lines: 2
                AAAAC3NzaC1lZDI1NTE5AAAAIBgnfsI4ebRFVExEs2CVmLp6xwSMR9PLLomOavVG
                BHmQ
                Private-Lines: 1
                AAAAIE5vdEFSZWFsS2V5QnV0VGhlU2hhcGVJc1JpZ2h0MTIzNA==
                Private-MAC: 0000000000000000000000000000000000000000000000000000000000000000
                """);
        TunnelFiles files = tunnel().dynamic("p", Ports.free());
        files.privateKey(files.ssh(), "key", putty, null);
        forwarder = ForwarderHarness.start(files);
        var session = awaitSession(forwarder, s -> s.getState() == SessionState.Failed, SOON);
        assertThat(session.getLastError()).startsWith("AuthenticationFailed: private key in Secret \"key\" key \"id\"")
                .doesNotContain("AAAAIE5vdEFSZWFsS2V5");
        assertThat(session.getReason()).isEqualTo(Reason.AuthenticationFailed);
        assertStillUpButNotReady();
    }

    @Test
    void jumpHostThatRefusesForwardingSaysWhichHop() throws Exception {
        try (OpenSshServer jump = OpenSshServer.start(dir.resolve("jump"), List.of(Keys.publicKey(userKey)),
                "AllowTcpForwarding no")) {
            TunnelFiles files = tunnel().dynamic("p", Ports.free());
            files.ssh().setJumpHosts(List.of(files.jumpHost(jump, userKey, "hop")));
            forwarder = ForwarderHarness.start(files);
            var session = awaitSession(forwarder, s -> s.getState() == SessionState.Failed, SOON);
            assertThat(session.getLastError()).startsWith("ForwardRejected: jump host " + jump.user() + "@[127.0.0.1]:" + jump.port()
                    + " refused to open a channel to 127.0.0.1:" + sshd.port()).contains("administratively prohibited").contains("AllowTcpForwarding");
            assertThat(session.getReason()).isEqualTo(Reason.ForwardRejected);
            assertStillUpButNotReady();
        }
    }
}
