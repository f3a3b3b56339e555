package dev.sshtunnel.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.List;

import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.OpenSshCertificateImpl;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.AcceptAllPublickeyAuthenticator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.TunnelFiles;

/**
 * A server presenting a host certificate that names a trusted CA but carries a signature the CA
 * never made. OpenSSH's sshd refuses to load such a certificate (it checks the signature when it
 * parses it), so the forging server here is MINA's SshServer; the client under test is the
 * forwarder as always. The key exchange no longer judges certificates (CertificateJudgingKeyExchanges),
 * so this shows that HostKeyCheck verifies the CA's signature itself: it compared only the CA's key.
 * (MINA's group exchange cannot verify an exchange signed with a certificate at all, so it fails
 * either way and is not tested here.)
 */
class ForgedHostCertificateTest {

    @TempDir
    Path dir;

    private SshServer server;
    private ForwarderProcess forwarder;

    @AfterEach
    void stop() throws Exception {
        if (forwarder != null) {
            forwarder.close();
        }
        if (server != null) {
            server.stop(true);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ecdh-sha2-nistp256", "curve25519-sha256"})
    void aCertificateTheAuthorityDidNotSignIsRefused(String keyExchange) throws Exception {
        KeyPair ca = rsaKeyPair();
        String caLine = PublicKeyEntry.toString(ca.getPublic());
        startServer(keyExchange, ca, true);
        forwarder = ForwarderHarness.start(tunnel("@cert-authority [127.0.0.1]:" + server.getPort() + " " + caLine));
        var session = ForwarderHarness.awaitSettled(forwarder);
        assertThat(session.getState()).isNotEqualTo(SessionState.Connected);
        assertThat(session.getLastError()).startsWith("HostKey");
        assertThat(session.getReason()).isIn(Reason.HostKeyMismatch, Reason.HostKeyUnknown);
    }

    @Test
    void theSameServerWithAGenuineCertificateIsAccepted() throws Exception {
        // The control: only the signature differs.
        KeyPair ca = rsaKeyPair();
        startServer("curve25519-sha256", ca, false);
        forwarder = ForwarderHarness.start(tunnel("@cert-authority [127.0.0.1]:" + server.getPort() + " "
                + PublicKeyEntry.toString(ca.getPublic())));
        var session = ForwarderHarness.awaitSettled(forwarder);
        assertThat(session.getLastError()).isEmpty();
        assertThat(session.getState()).isEqualTo(SessionState.Connected);
    }

    private void startServer(String keyExchange, KeyPair ca, boolean forge) throws Exception {
        KeyPair host = rsaKeyPair();
        OpenSshCertificate certificate = OpenSshCertificateBuilder.hostCertificate().publicKey(host.getPublic()).id("bastion")
                .principals(List.of("127.0.0.1")).validAfter(Instant.now().minusSeconds(300))
                .validBefore(Instant.now().plusSeconds(3600)).sign(ca, "rsa-sha2-512");
        if (forge) {
            byte[] signature = certificate.getSignature().clone();
            signature[signature.length - 1] ^= 1;
            ((OpenSshCertificateImpl) certificate).setSignature(signature);
        }
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(host));
        server.setHostKeyCertificateProvider(session -> List.of(certificate));
        server.setKeyExchangeFactories(NamedFactory.setUpTransformedFactories(false,
                List.of(BuiltinDHFactories.fromFactoryName(keyExchange)), ServerBuilder.DH2KEX));
        server.setPublickeyAuthenticator(AcceptAllPublickeyAuthenticator.INSTANCE);
        server.start();
    }

    private TunnelFiles tunnel(String knownHosts) {
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        return new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", server.getPort(), "tunnel").privateKey(key)
                .hostKey(knownHosts).dynamic("p", Ports.free());
    }

    /** RSA: MINA's group-exchange server cannot sign with an EC host certificate. */
    private static KeyPair rsaKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }
}
