package dev.sshtunnel.forwarder.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.ProxyType;
import dev.sshtunnel.config.ProxyConfig;
import dev.sshtunnel.config.SecretValue;

/** The client side of HTTP CONNECT and SOCKS5 against scripted replies: bytes sent, bytes read, and every refusal. */
class ProxyHandshakeTest {

    private static final SecretValue USER = new SecretValue("Secret \"proxy\" key \"user\"", "tunnel\n".getBytes());
    private static final SecretValue PASSWORD = new SecretValue("Secret \"proxy\" key \"password\"", "s3cret-pass\n".getBytes());

    /** A proxy that answers {@code reply} whatever it is sent, recording what it was sent and how much it was read. */
    private static final class Scripted implements ProxyHandshake.Stream {
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        final ByteArrayInputStream reply;

        Scripted(byte[] reply) {
            this.reply = new ByteArrayInputStream(reply);
        }

        Scripted(String reply) {
            this(reply.getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        public void write(byte[] bytes) {
            sent.writeBytes(bytes);
        }

        @Override
        public int read() {
            return reply.read();
        }
    }

    private static ProxyHandshake handshake(ProxyType type, boolean credentials, String host) {
        return new ProxyHandshake(new ProxyConfig(type, "proxy.corp.example", 3128, credentials ? USER : null,
                credentials ? PASSWORD : null), host, 22);
    }

    @Test
    void httpConnectSendsTheNameAndBasicCredentialsAndReadsNoByteOfTheServer() throws Exception {
        Scripted proxy = new Scripted("HTTP/1.1 200 Connection established\r\nVia: squid\r\n\r\nSSH-2.0-OpenSSH_9.2\r\n");
        handshake(ProxyType.HTTPConnect, true, "bastion.internal").run(proxy);
        assertThat(proxy.sent.toString(StandardCharsets.US_ASCII)).isEqualTo("CONNECT bastion.internal:22 HTTP/1.1\r\n"
                + "Host: bastion.internal:22\r\nProxy-Authorization: Basic "
                + Base64.getEncoder().encodeToString("tunnel:s3cret-pass".getBytes()) + "\r\n\r\n");
        assertThat(new String(proxy.reply.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("SSH-2.0-OpenSSH_9.2\r\n");
    }

    @Test
    void httpRefusalsNameTheProxyAndTheHopWithTheCleanedReply() {
        assertThatThrownBy(() -> handshake(ProxyType.HTTPConnect, false, "bastion").run(
                new Scripted("HTTP/1.1 403 Forbidden\u001b[2J\r\n\r\n")))
                .isInstanceOfSatisfying(ProxyFailure.class, e -> {
                    assertThat(e.kind).isEqualTo(ProxyFailure.Kind.REFUSED);
                    assertThat(e.getMessage()).startsWith("proxy proxy.corp.example:3128 refused CONNECT to bastion:22: 403 Forbidden")
                            .doesNotContain("\u001b");
                });
        assertThatThrownBy(() -> handshake(ProxyType.HTTPConnect, false, "bastion").run(new Scripted("HTTP/1.0 503 Unavailable\r\n\r\n")))
                .isInstanceOfSatisfying(ProxyFailure.class, e -> assertThat(e.kind).isEqualTo(ProxyFailure.Kind.UNREACHABLE));
        assertThatThrownBy(() -> handshake(ProxyType.HTTPConnect, false, "bastion").run(
                new Scripted("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")))
                .isInstanceOfSatisfying(ProxyFailure.class, e -> {
                    assertThat(e.kind).isEqualTo(ProxyFailure.Kind.AUTHENTICATION);
                    assertThat(e.getMessage()).contains("requires authentication").contains("credentialsSecretRef");
                });
        assertThatThrownBy(() -> handshake(ProxyType.HTTPConnect, true, "bastion").run(
                new Scripted("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")))
                .isInstanceOfSatisfying(ProxyFailure.class, e -> assertThat(e.getMessage())
                        .contains("refused the credentials from Secret \"proxy\" key \"user\"").doesNotContain("s3cret-pass"));
    }

    @Test
    void anEndlessOrTruncatedHttpReplyIsBounded() {
        Scripted endless = new Scripted("HTTP/1.1 200 OK\r\nX: " + "a".repeat(20_000));
        assertThatThrownBy(() -> handshake(ProxyType.HTTPConnect, false, "bastion").run(endless))
                .hasMessageContaining("longer than 8192 bytes");
        assertThat(endless.reply.available()).as("read no further than the bound").isEqualTo(20_000 + 20 - 8192);
        assertThatThrownBy(() -> handshake(ProxyType.HTTPConnect, false, "bastion").run(new Scripted("")))
                .hasMessage("proxy proxy.corp.example:3128 closed the connection without answering CONNECT to bastion:22");
        assertThatThrownBy(() -> handshake(ProxyType.HTTPConnect, false, "bastion").run(new Scripted("SSH-2.0-x\r\n\r\n")))
                .hasMessageContaining("did not answer CONNECT as an HTTP proxy");
    }

    @Test
    void socks5SendsANameOrAnAddressAndAuthenticatesPerRfc1929() throws Exception {
        Scripted proxy = new Scripted(new byte[] {5, 2, 1, 0, 5, 0, 0, 1, 10, 0, 0, 1, 0, 22, 'S', 'S', 'H'});
        handshake(ProxyType.SOCKS5, true, "bastion").run(proxy);
        byte[] user = "tunnel".getBytes();
        byte[] password = "s3cret-pass".getBytes();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(new byte[] {5, 2, 0, 2, 1, (byte) user.length});
        expected.writeBytes(user);
        expected.write(password.length);
        expected.writeBytes(password);
        expected.writeBytes(new byte[] {5, 1, 0, 3, 7});
        expected.writeBytes("bastion".getBytes());
        expected.writeBytes(new byte[] {0, 22});
        assertThat(proxy.sent.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(proxy.reply.readAllBytes()).as("the server's bytes stay unread").isEqualTo("SSH".getBytes());

        Scripted literal = new Scripted(new byte[] {5, 0, 5, 0, 0, 1, 10, 0, 0, 1, 0, 22});
        handshake(ProxyType.SOCKS5, false, "192.0.2.7").run(literal);
        assertThat(literal.sent.toByteArray()).isEqualTo(new byte[] {5, 1, 0, 5, 1, 0, 1, (byte) 192, 0, 2, 7, 0, 22});
    }

    @Test
    void socks5RefusalsAndGarbage() {
        assertThatThrownBy(() -> handshake(ProxyType.SOCKS5, true, "bastion").run(new Scripted(new byte[] {5, 2, 1, 1})))
                .isInstanceOfSatisfying(ProxyFailure.class, e -> {
                    assertThat(e.kind).isEqualTo(ProxyFailure.Kind.AUTHENTICATION);
                    assertThat(e.getMessage()).isEqualTo("proxy proxy.corp.example:3128 refused the credentials from Secret \"proxy\" "
                            + "key \"user\" and Secret \"proxy\" key \"password\"");
                });
        assertThatThrownBy(() -> handshake(ProxyType.SOCKS5, false, "bastion").run(new Scripted(new byte[] {5, (byte) 0xFF})))
                .isInstanceOfSatisfying(ProxyFailure.class, e -> assertThat(e.kind).isEqualTo(ProxyFailure.Kind.AUTHENTICATION));
        assertThatThrownBy(() -> handshake(ProxyType.SOCKS5, false, "bastion").run(
                new Scripted(new byte[] {5, 0, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0})))
                .isInstanceOfSatisfying(ProxyFailure.class, e -> {
                    assertThat(e.kind).isEqualTo(ProxyFailure.Kind.REFUSED);
                    assertThat(e.getMessage()).isEqualTo("proxy proxy.corp.example:3128 refused CONNECT to bastion:22: SOCKS5 reply 2 "
                            + "(connection not allowed by ruleset)");
                });
        assertThatThrownBy(() -> handshake(ProxyType.SOCKS5, false, "bastion").run(
                new Scripted(new byte[] {5, 0, 5, 5, 0, 1, 0, 0, 0, 0, 0, 0})))
                .isInstanceOfSatisfying(ProxyFailure.class, e -> assertThat(e.kind).isEqualTo(ProxyFailure.Kind.UNREACHABLE));
        assertThatThrownBy(() -> handshake(ProxyType.SOCKS5, false, "bastion").run(new Scripted("HTTP/1.1 400 Bad Request\r\n\r\n")))
                .hasMessageContaining("did not answer as a SOCKS5 proxy (first bytes 4854)");
        assertThatThrownBy(() -> handshake(ProxyType.SOCKS5, false, "bastion").run(new Scripted(new byte[] {5, 0, 5, 0, 0, 9})))
                .hasMessageContaining("address type 9");
    }
}
