package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitSession;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SecretKeyRef;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.testing.DropbearServer;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.Processes;
import dev.sshtunnel.testing.TunnelFiles;

/** Password authentication and CA-signed host keys against a real OpenSSH sshd. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PasswordAndHostCertificateIT {

    @TempDir
    Path dir;

    private OpenSshServer sshd;
    private ForwarderProcess forwarder;

    @AfterEach
    void stop() {
        if (forwarder != null) {
            forwarder.close();
        }
        if (sshd != null) {
            sshd.close();
        }
    }

    @Test
    void passwordAuthentication() throws Exception {
        assumeTrue(DropbearServer.available(), "needs root to give the test user a password");
        String user = DropbearServer.userWithPassword("correct horse battery");
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(), "PasswordAuthentication yes");
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), user)
                .hostKey(sshd.knownHostsLine()).dynamic("p", Ports.free());
        Path password = files.secretsDir().resolve("login/password");
        Files.createDirectories(password.getParent());
        Files.writeString(password, "correct horse battery\n");
        files.ssh().setPasswordSecretRef(new SecretKeyRef("login", "password"));
        forwarder = ForwarderHarness.start(files);

        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));
        assertThat(Files.readString(sshd.log())).contains("Accepted password for " + user);
    }

    /** sshd presenting a host certificate (signed by a fresh CA, principal 127.0.0.1); returns the CA's public key line. */
    private String startWithHostCertificate(Path key) throws Exception {
        return startWithHostCertificate(key, "127.0.0.1");
    }

    private String startWithHostCertificate(Path key, String principal) throws Exception {
        return startWithHostCertificate(key, principal, "ed25519", null);
    }

    /** The CA is a fresh key of {@code caType} signing with {@code caSignature} (ssh-keygen -t; null: its default). */
    private String startWithHostCertificate(Path key, String principal, String caType, String caSignature) throws Exception {
        Path hostCa = Keys.generate(dir, "host_ca", caType, false, null);
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)));
        Path hostKey = dir.resolve("sshd/ssh_host_ed25519_key");
        List<String> sign = new ArrayList<>(List.of("ssh-keygen", "-q", "-s", hostCa.toString(), "-h", "-I", "test-host",
                "-n", principal, "-V", "-5m:+1h"));
        if (caSignature != null) {
            sign.addAll(List.of("-t", caSignature));
        }
        sign.add(hostKey + ".pub");
        Processes.run(sign);
        int port = sshd.port();
        sshd.close();
        Files.writeString(dir.resolve("sshd/sshd_config"), "HostCertificate " + hostKey + "-cert.pub\n",
                java.nio.file.StandardOpenOption.APPEND);
        sshd = OpenSshServer.reuse(dir.resolve("sshd"), port);
        return String.join(" ", List.of(Keys.publicKey(hostCa).split(" ")).subList(0, 2));
    }

    private ForwarderProcess forwarder(Path key, String... knownHosts) throws Exception {
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                .privateKey(key).hostKey(String.join("\n", knownHosts)).dynamic("p", Ports.free());
        return ForwarderHarness.start(files);
    }

    @Test
    void hostCertificateSignedByAKnownAuthority() throws Exception {
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        String ca = startWithHostCertificate(key);
        forwarder = forwarder(key, "@cert-authority [127.0.0.1]:" + sshd.port() + " " + ca);
        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));
    }

    @Test
    void hostCertificateAgainstAPlainPinIsTheKeyInside() throws Exception {
        // OpenSSH accepts the plain key of a certificate it has no CA for; MINA compared the certificate.
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        startWithHostCertificate(key);
        forwarder = forwarder(key, sshd.knownHostsLine());
        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));
        forwarder.close();
        TunnelFiles pinned = new TunnelFiles(dir.resolve("tunnel-fp"), "127.0.0.1", sshd.port(), sshd.user())
                .privateKey(key).dynamic("p", Ports.free());
        pinned.hostKey(pinned.ssh(), HostKeyPolicy.Strict, "", sshd.hostKeyFingerprint());
        forwarder = ForwarderHarness.start(pinned);
        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));
    }

    @Test
    void aCertificateFromARevokedAuthorityIsRefused() throws Exception {
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        String ca = startWithHostCertificate(key);
        forwarder = forwarder(key, "@cert-authority [127.0.0.1]:" + sshd.port() + " " + ca, "@revoked * " + ca);
        var session = awaitSession(forwarder, s -> s.getLastError() != null && !s.getLastError().isEmpty(), Duration.ofSeconds(20));
        assertThat(session.getState()).isNotEqualTo(SessionState.Connected);
        assertThat(session.getLastError()).startsWith("HostKeyMismatch").contains("@revoked");
        assertThat(session.getReason()).isEqualTo(Reason.HostKeyMismatch);
    }

    @Test
    void aCertificateItsAuthoritySignedWithSha1RsaIsRefused() throws Exception {
        // OpenSSH 8.2+ refuses ssh-rsa CA signatures ("Certificate signed with disallowed algorithm");
        // sshd 9.2 still serves such a certificate, and MINA's client accepted it.
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        String ca = startWithHostCertificate(key, "127.0.0.1", "rsa", "ssh-rsa");
        forwarder = forwarder(key, "@cert-authority [127.0.0.1]:" + sshd.port() + " " + ca);
        var session = awaitSession(forwarder, s -> s.getLastError() != null && !s.getLastError().isEmpty(), Duration.ofSeconds(20));
        assertThat(session.getState()).isNotEqualTo(SessionState.Connected);
        assertThat(session.getReason()).isEqualTo(Reason.HostKeyMismatch);
        assertThat(session.getLastError()).startsWith("HostKeyMismatch")
                .contains("signed with ssh-rsa", "OpenSSH 8.2", "ssh-keygen -s CA_KEY -t rsa-sha2-512");
    }

    @Test
    void aCertificateItsAuthoritySignedWithSha1RsaIsItsPlainKeyAgainstAPlainPin() throws Exception {
        // OpenSSH: "Certificate signed with disallowed algorithm", then "Retry with plain key".
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        startWithHostCertificate(key, "127.0.0.1", "rsa", "ssh-rsa");
        forwarder = forwarder(key, sshd.knownHostsLine());
        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa-sha2-256", "rsa-sha2-512"})
    void aCertificateItsRsaAuthoritySignedWithSha2IsAccepted(String caSignature) throws Exception {
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        String ca = startWithHostCertificate(key, "127.0.0.1", "rsa", caSignature);
        forwarder = forwarder(key, "@cert-authority [127.0.0.1]:" + sshd.port() + " " + ca);
        awaitSession(forwarder, s -> s.getState() == SessionState.Connected, Duration.ofSeconds(20));
    }

    @Test
    void aRevokedWildcardLineCoversEveryPort() throws Exception {
        // `@revoked *` names every host, also [127.0.0.1]:PORT; MINA matched it on port 22 only.
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)));
        forwarder = forwarder(key, sshd.knownHostsLine(), "@revoked * " + sshd.publicHostKey());
        var session = awaitSession(forwarder, s -> s.getLastError() != null && !s.getLastError().isEmpty(), Duration.ofSeconds(20));
        assertThat(session.getState()).isNotEqualTo(SessionState.Connected);
        assertThat(session.getLastError()).startsWith("HostKeyMismatch").contains("@revoked");
        assertThat(session.getReason()).isEqualTo(Reason.HostKeyMismatch);
    }

    @Test
    void aHostCertificateBehindAJumpHostIsCheckedAgainstTheNameOfTheHop() throws Exception {
        // The hop is reached through a loopback forward; MINA compared the certificate's principals with 127.0.0.1.
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        String ca = startWithHostCertificate(key, "localhost");
        try (OpenSshServer jump = OpenSshServer.start(dir.resolve("jump"), List.of(Keys.publicKey(key)))) {
            TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "localhost", sshd.port(), sshd.user())
                    .privateKey(key).hostKey("@cert-authority [localhost]:" + sshd.port() + " " + ca).dynamic("p", Ports.free());
            files.ssh().setJumpHosts(List.of(files.jumpHost(jump, key, "hop")));
            forwarder = ForwarderHarness.start(files);
            var session = ForwarderHarness.awaitSettled(forwarder);
            assertThat(session.getLastError()).isEmpty();
            assertThat(session.getState()).isEqualTo(SessionState.Connected);
        }
    }

    @Test
    void aCertificateForAnotherNameIsItsPlainKeyAgainstAPlainPin() throws Exception {
        // OpenSSH judges a certificate only against @cert-authority lines; MINA refused it in the key
        // exchange ("invalid principal 127.0.0.1") before the pin was read.
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        startWithHostCertificate(key, "bastion.internal");
        forwarder = forwarder(key, sshd.knownHostsLine());
        var session = ForwarderHarness.awaitSettled(forwarder);
        assertThat(session.getLastError()).isEmpty();
        assertThat(session.getState()).isEqualTo(SessionState.Connected);
    }

    @Test
    void aCertificateForAnotherNameIsRefusedAgainstItsAuthority() throws Exception {
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        String ca = startWithHostCertificate(key, "bastion.internal");
        forwarder = forwarder(key, "@cert-authority [127.0.0.1]:" + sshd.port() + " " + ca);
        var session = awaitSession(forwarder, s -> s.getLastError() != null && !s.getLastError().isEmpty(), Duration.ofSeconds(20));
        assertThat(session.getState()).isNotEqualTo(SessionState.Connected);
        assertThat(session.getLastError()).startsWith("HostKey");
        assertThat(session.getReason()).isIn(Reason.HostKeyMismatch, Reason.HostKeyUnknown);
    }
}
