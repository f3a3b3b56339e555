package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitSession;
import static dev.sshtunnel.forwarder.ForwarderHarness.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.Processes;
import dev.sshtunnel.testing.TunnelFiles;

/** Authentication and host key verification against a real OpenSSH sshd. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionSecurityIT {

    private static final Duration CONNECT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private EchoServer echo;
    private ForwarderProcess forwarder;
    private OpenSshServer sshd;

    @BeforeEach
    void echo() {
        echo = new EchoServer(EchoServer.Mode.ECHO);
    }

    @AfterEach
    void stop() throws Exception {
        if (forwarder != null) {
            forwarder.close();
        }
        if (sshd != null) {
            sshd.close();
        }
        echo.close();
    }

    @ParameterizedTest(name = "{0} {1} key, passphrase={2}")
    @CsvSource({"ed25519,openssh,", "ecdsa,pem,", "rsa,pem,", "rsa,openssh,", "ed25519,openssh,s3cret-phrase", "ecdsa,pem,pem-phrase"})
    void authenticatesWithEachKeyTypeAndFormat(String type, String format, String passphrase) throws Exception {
        Path key = Keys.generate(dir, "id_" + type + "_" + format, type, format.equals("pem"), passphrase);
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)));
        int port = Ports.free();
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                .hostKey(sshd.knownHostsLine()).local("echo", port, "127.0.0.1", echo.port());
        files.privateKey(files.ssh(), "key", key, passphrase);
        forwarder = ForwarderHarness.start(files);

        var session = awaitSession(forwarder, s -> s.getState() == SessionState.Connected, CONNECT);
        ForwarderHarness.awaitAllActive(forwarder);
        assertThat(session.getServerVersion()).startsWith("SSH-2.0-OpenSSH");
        assertThat(session.getCipher()).isEqualTo("aes128-gcm@openssh.com");
        assertThat(session.getHostKeyFingerprint()).isEqualTo(sshd.hostKeyFingerprint());
        assertThat(roundTrip(port, "k".getBytes())).isEqualTo("k".getBytes());
    }

    @Test
    void wrongPassphraseIsReportedInStatusWithoutTheSecretAndWithoutACrash() throws Exception {
        Path key = Keys.generate(dir, "id_enc", "ed25519", false, "right-phrase");
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", 22, "u").hostKey("").dynamic("p", Ports.free());
        files.privateKey(files.ssh(), "key", key, "wrong-phrase");

        forwarder = ForwarderHarness.start(files);
        var session = awaitSession(forwarder, s -> s.getState() == SessionState.Failed, CONNECT);
        assertThat(session.getLastError()).startsWith("AuthenticationFailed: private key in Secret \"key\" key \"id\"")
                .contains("wrong passphrase").contains("fix the Secret")
                .doesNotContain("wrong-phrase").doesNotContain("right-phrase");
        assertThat(session.getReason()).isEqualTo(Reason.AuthenticationFailed);
        assertThat(ForwarderHarness.get(forwarder, "/q/health/live").statusCode()).isEqualTo(200);
        assertThat(ForwarderHarness.get(forwarder, "/q/health/ready").statusCode()).isEqualTo(503);
        assertThat(ForwarderHarness.get(forwarder, "/status").body()).doesNotContain("wrong-phrase").doesNotContain("right-phrase");
    }

    @Test
    void malformedKeyIsReportedInStatus() throws Exception {
        Path garbage = dir.resolve("garbage");
        java.nio.file.Files.writeString(garbage, "-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n");
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", 22, "u").hostKey("").dynamic("p", Ports.free());
        files.privateKey(files.ssh(), "key", garbage, null);

        forwarder = ForwarderHarness.start(files);
        var session = awaitSession(forwarder, s -> s.getState() == SessionState.Failed, CONNECT);
        assertThat(session.getLastError()).startsWith("AuthenticationFailed: private key in Secret \"key\" key \"id\" cannot be loaded")
                .doesNotContain("bm90IGEga2V5");
        assertThat(session.getReason()).isEqualTo(Reason.AuthenticationFailed);
    }

    @Test
    void userCertificateSignedByTrustedCa() throws Exception {
        Path ca = Keys.generate(dir, "user_ca", "ed25519", false, null);
        Path key = Keys.generate(dir, "id_cert", "ed25519", false, null);
        Path certificate = Keys.certify(ca, key, System.getProperty("user.name"));
        // No authorized_keys entry: only the certificate can log in.
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(), "TrustedUserCAKeys " + ca + ".pub");
        int port = Ports.free();
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                .hostKey(sshd.knownHostsLine()).local("echo", port, "127.0.0.1", echo.port());
        files.privateKey(files.ssh(), "key", key, null).certificate(files.ssh(), "key", certificate);
        forwarder = ForwarderHarness.start(files);

        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, CONNECT);
        ForwarderHarness.awaitAllActive(forwarder);
        assertThat(roundTrip(port, "c".getBytes())).isEqualTo("c".getBytes());
    }

    @Test
    void wrongKeyIsAuthenticationFailedAndBacksOff() throws Exception {
        Path authorized = Keys.generate(dir, "id_ok", "ed25519", false, null);
        Path other = Keys.generate(dir, "id_other", "ed25519", false, null);
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(authorized)));
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                .hostKey(sshd.knownHostsLine()).privateKey(other).dynamic("p", Ports.free());
        forwarder = ForwarderHarness.start(files);

        var failed = awaitSession(forwarder, s -> s.getState() == SessionState.Failed, CONNECT);
        assertThat(failed.getLastError()).startsWith("AuthenticationFailed:");
        assertThat(failed.getReason()).isEqualTo(Reason.AuthenticationFailed);
        Thread.sleep(3000);
        long attempts = Files.readAllLines(sshd.log()).stream().filter(l -> l.contains("Connection from 127.0.0.1")).count();
        // backoff 1-2 s: at most a handful of attempts in ~4 s, never a hot loop
        assertThat(attempts).isBetween(1L, 5L);
    }

    @Test
    void strictRefusesAnUnknownServer() throws Exception {
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)));
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                .privateKey(key).hostKey("").dynamic("p", Ports.free());
        forwarder = ForwarderHarness.start(files);

        var failed = awaitSession(forwarder, s -> s.getState() == SessionState.Failed, CONNECT);
        assertThat(failed.getLastError()).startsWith("HostKeyUnknown:").contains(sshd.hostKeyFingerprint());
        assertThat(failed.getReason()).isEqualTo(Reason.HostKeyUnknown);
    }

    @Test
    void strictRefusesADifferentKey() throws Exception {
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        Path impostor = Keys.generate(dir, "impostor", "ed25519", false, null);
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)));
        String wrongLine = "[127.0.0.1]:" + sshd.port() + " " + String.join(" ", List.of(Keys.publicKey(impostor).split(" ")).subList(0, 2));
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                .privateKey(key).hostKey(wrongLine).dynamic("p", Ports.free());
        forwarder = ForwarderHarness.start(files);

        var failed = awaitSession(forwarder, s -> s.getState() == SessionState.Failed, CONNECT);
        assertThat(failed.getLastError()).startsWith("HostKeyMismatch:");
        assertThat(failed.getReason()).isEqualTo(Reason.HostKeyMismatch);
        assertThat(failed.getHostKeyFingerprint()).isEqualTo(sshd.hostKeyFingerprint());
    }

    @Test
    void revokedKeyIsRefusedEvenWhenAlsoListed() throws Exception {
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)));
        String lines = sshd.knownHostsLine() + "\n@revoked " + sshd.knownHostsLine() + "\n";
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                .privateKey(key).hostKey(lines).dynamic("p", Ports.free());
        forwarder = ForwarderHarness.start(files);

        var failed = awaitSession(forwarder, s -> s.getState() == SessionState.Failed, CONNECT);
        assertThat(failed.getLastError()).startsWith("HostKeyMismatch:").contains("@revoked");
        assertThat(failed.getReason()).isEqualTo(Reason.HostKeyMismatch);
    }

    @Test
    void hashedKnownHostsLineAndFingerprintsAreAccepted() throws Exception {
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)));
        Path knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, sshd.knownHostsLine() + "\n");
        Processes.run(List.of("ssh-keygen", "-H", "-f", knownHosts.toString()));
        String hashed = Files.readString(knownHosts).trim();
        assertThat(hashed).startsWith("|1|");

        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                .privateKey(key).hostKey(hashed).dynamic("p", Ports.free());
        forwarder = ForwarderHarness.start(files);
        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, CONNECT);
        forwarder.close();

        TunnelFiles byFingerprint = new TunnelFiles(dir.resolve("tunnel2"), "127.0.0.1", sshd.port(), sshd.user()).privateKey(key)
                .dynamic("p", Ports.free());
        byFingerprint.hostKey(byFingerprint.ssh(), HostKeyPolicy.Strict, null, sshd.hostKeyFingerprint());
        forwarder = ForwarderHarness.start(byFingerprint);
        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, CONNECT);
    }

    @Test
    void acceptNewTrustsTheFirstKeyAndInsecureAcceptsAny() throws Exception {
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)));
        TunnelFiles acceptNew = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user()).privateKey(key)
                .dynamic("p", Ports.free());
        acceptNew.hostKey(acceptNew.ssh(), HostKeyPolicy.AcceptNew, null);
        forwarder = ForwarderHarness.start(acceptNew);
        var session = awaitSession(forwarder, s -> s.getState() == SessionState.Connected, CONNECT);
        assertThat(session.getHostKeyFingerprint()).isEqualTo(sshd.hostKeyFingerprint());
        forwarder.close();

        TunnelFiles insecure = new TunnelFiles(dir.resolve("tunnel2"), "127.0.0.1", sshd.port(), sshd.user()).privateKey(key)
                .dynamic("p", Ports.free());
        insecure.hostKey(insecure.ssh(), HostKeyPolicy.Insecure, null);
        forwarder = ForwarderHarness.start(insecure);
        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, CONNECT);
    }

    @Test
    void acceptNewRefusesAKeyThatChangesAfterwards() throws Exception {
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)));
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user()).privateKey(key)
                .dynamic("p", Ports.free());
        files.hostKey(files.ssh(), HostKeyPolicy.AcceptNew, null);
        forwarder = ForwarderHarness.start(files);
        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, CONNECT);

        // A different server (new host key) appears on the same port.
        int port = sshd.port();
        sshd.close();
        sshd = OpenSshServer.startOnPort(dir.resolve("sshd-other"), port, List.of(Keys.publicKey(key)));
        var failed = awaitSession(forwarder, s -> s.getState() == SessionState.Failed, CONNECT);
        assertThat(failed.getLastError()).startsWith("HostKeyMismatch:").contains("accepted first");
        assertThat(failed.getReason()).isEqualTo(Reason.HostKeyMismatch);
    }

    @Test
    void twoHopJumpChain() throws Exception {
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        try (OpenSshServer jump1 = OpenSshServer.start(dir.resolve("jump1"), List.of(Keys.publicKey(key)));
                OpenSshServer jump2 = OpenSshServer.start(dir.resolve("jump2"), List.of(Keys.publicKey(key)))) {
            sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)));
            int port = Ports.free();
            TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                    .privateKey(key).hostKey(sshd.knownHostsLine()).local("echo", port, "127.0.0.1", echo.port());
            files.ssh().setJumpHosts(List.of(files.jumpHost(jump1, key, "hop1"), files.jumpHost(jump2, key, "hop2")));
            forwarder = ForwarderHarness.start(files);

            awaitSession(forwarder, s -> s.getState() == SessionState.Connected, CONNECT);
            ForwarderHarness.awaitAllActive(forwarder);
            assertThat(roundTrip(port, "jumped".getBytes())).isEqualTo("jumped".getBytes());
            assertThat(Files.readString(jump1.log())).contains("Accepted publickey");
            assertThat(Files.readString(jump2.log())).contains("Accepted publickey");
        }
    }
}
