package dev.sshtunnel.forwarder.session;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sshtunnel.config.ProxyConfig;
import dev.sshtunnel.forwarder.session.ProxyFailure.Kind;
import dev.sshtunnel.untrusted.UntrustedText;

/**
 * The client side of asking an outbound proxy for a TCP connection to host:port: HTTP CONNECT (Basic
 * authentication) or SOCKS5 (no authentication, or username/password per RFC 1929). The host goes to the proxy as
 * the name it is, for the proxy to resolve. Reads no byte past the proxy's reply: what follows is the SSH server's.
 * A pure protocol over {@link Stream}, which bounds the time; this bounds the bytes.
 */
final class ProxyHandshake {

    /** The most reply header bytes read from an HTTP proxy: squid's and tinyproxy's replies are a few hundred. */
    static final int MAX_HTTP_REPLY = 8192;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] ([0-9]{3})(?: ([^\\r\\n]*))?");
    private static final int SOCKS5 = 5;
    private static final int NO_AUTHENTICATION = 0;
    private static final int USERNAME_PASSWORD = 2;
    private static final int NO_ACCEPTABLE_METHOD = 0xFF;

    /** The proxy connection: whole writes and single-byte reads, each within the handshake's deadline. */
    interface Stream {
        void write(byte[] bytes) throws IOException;

        /** The next byte, or -1 at the end of the stream. */
        int read() throws IOException;
    }

    private final ProxyConfig proxy;
    private final String host;
    private final int port;

    ProxyHandshake(ProxyConfig proxy, String host, int port) {
        this.proxy = proxy;
        this.host = host;
        this.port = port;
    }

    void run(Stream stream) throws IOException {
        switch (proxy.type()) {
            case HTTPConnect -> httpConnect(stream);
            case SOCKS5 -> socks5(stream);
            default -> throw new IllegalStateException("proxy type " + proxy.type());
        }
    }

    private String target() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private String named() {
        return "proxy " + proxy.address();
    }

    private void httpConnect(Stream stream) throws IOException {
        StringBuilder request = new StringBuilder()
                .append("CONNECT ").append(target()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(target()).append("\r\n");
        if (proxy.authenticates()) {
            byte[] user = proxy.username().text().getBytes(StandardCharsets.UTF_8);
            byte[] password = proxy.password().text().getBytes(StandardCharsets.UTF_8);
            byte[] pair = new byte[user.length + 1 + password.length];
            System.arraycopy(user, 0, pair, 0, user.length);
            pair[user.length] = ':';
            System.arraycopy(password, 0, pair, user.length + 1, password.length);
            request.append("Proxy-Authorization: Basic ").append(Base64.getEncoder().encodeToString(pair)).append("\r\n");
        }
        request.append("\r\n");
        stream.write(request.toString().getBytes(StandardCharsets.UTF_8));
        String header = readHttpHeader(stream);
        String statusLine = header.substring(0, header.indexOf("\r\n"));
        Matcher status = STATUS_LINE.matcher(statusLine);
        if (!status.matches()) {
            throw new ProxyFailure(Kind.REFUSED, named() + " did not answer CONNECT as an HTTP proxy (reply starts \""
                    + UntrustedText.clean(statusLine, 64) + "\"); check spec.ssh.proxy.type and port");
        }
        int code = Integer.parseInt(status.group(1));
        String said = code + (status.group(2) == null || status.group(2).isBlank() ? ""
                : " " + UntrustedText.clean(status.group(2), 128));
        if (code / 100 == 2) {
            return;
        }
        if (code == 407 || code == 401) { // 407 by RFC 9110; tinyproxy answers CONNECT with 401
            throw new ProxyFailure(Kind.AUTHENTICATION, proxy.authenticates()
                    ? named() + " refused the credentials from " + proxy.username().source() + " and "
                            + proxy.password().source() + ": " + said
                    : named() + " requires authentication (" + said + "): set spec.ssh.proxy.credentialsSecretRef");
        }
        // 5xx: the proxy could not reach the hop (or is overloaded): worth retrying. 4xx: its rules refuse it.
        throw new ProxyFailure(code / 100 == 5 ? Kind.UNREACHABLE : Kind.REFUSED,
                named() + " refused CONNECT to " + target() + ": " + said);
    }

    /** The status line and headers up to the blank line, at most {@link #MAX_HTTP_REPLY} bytes, nothing after them. */
    private String readHttpHeader(Stream stream) throws IOException {
        byte[] header = new byte[MAX_HTTP_REPLY];
        int length = 0;
        while (length < 4 || header[length - 4] != '\r' || header[length - 3] != '\n' || header[length - 2] != '\r'
                || header[length - 1] != '\n') {
            if (length == MAX_HTTP_REPLY) {
                throw new ProxyFailure(Kind.REFUSED, named() + " sent a reply header longer than " + MAX_HTTP_REPLY
                        + " bytes to CONNECT");
            }
            int b = stream.read();
            if (b < 0) {
                throw new ProxyFailure(Kind.UNREACHABLE, named() + " closed the connection "
                        + (length == 0 ? "without answering CONNECT to " + target() : "in the middle of its reply to CONNECT (\""
                                + UntrustedText.clean(new String(header, 0, Math.min(length, 64), StandardCharsets.ISO_8859_1), 64)
                                + "\")"));
            }
            header[length++] = (byte) b;
        }
        return new String(header, 0, length, StandardCharsets.ISO_8859_1);
    }

    private void socks5(Stream stream) throws IOException {
        stream.write(proxy.authenticates() ? new byte[] {SOCKS5, 2, NO_AUTHENTICATION, USERNAME_PASSWORD}
                : new byte[] {SOCKS5, 1, NO_AUTHENTICATION});
        int version = readByte(stream, "its method selection");
        int method = readByte(stream, "its method selection");
        if (version != SOCKS5) {
            throw notSocks5(version, method);
        }
        if (method == NO_ACCEPTABLE_METHOD) {
            throw new ProxyFailure(Kind.AUTHENTICATION, proxy.authenticates()
                    ? named() + " accepts neither username/password nor no authentication"
                    : named() + " requires authentication: set spec.ssh.proxy.credentialsSecretRef");
        }
        if (method == USERNAME_PASSWORD && proxy.authenticates()) {
            socks5Authenticate(stream);
        } else if (method != NO_AUTHENTICATION) {
            throw new ProxyFailure(Kind.REFUSED, named() + " chose SOCKS5 method " + method + ", which was not offered");
        }
        stream.write(socks5Connect());
        int replyVersion = readByte(stream, "its reply to CONNECT");
        int reply = readByte(stream, "its reply to CONNECT");
        if (replyVersion != SOCKS5) {
            throw notSocks5(replyVersion, reply);
        }
        readByte(stream, "its reply to CONNECT"); // reserved
        int type = readByte(stream, "its reply to CONNECT");
        int bound = switch (type) {
            case 1 -> 4;
            case 4 -> 16;
            case 3 -> readByte(stream, "its reply to CONNECT");
            default -> throw new ProxyFailure(Kind.REFUSED, named() + " replied to CONNECT with address type " + type
                    + ", which SOCKS5 does not have");
        };
        for (int i = 0; i < bound + 2; i++) {
            readByte(stream, "its reply to CONNECT"); // the proxy's own address and port: not ours to use
        }
        if (reply != 0) {
            // 2: not allowed by its rules, the user must act; the others say the proxy could not reach the hop now.
            throw new ProxyFailure(reply == 2 ? Kind.REFUSED : Kind.UNREACHABLE,
                    named() + " refused CONNECT to " + target() + ": SOCKS5 reply " + reply + " (" + socksReply(reply) + ")");
        }
    }

    private void socks5Authenticate(Stream stream) throws IOException {
        byte[] user = proxy.username().text().getBytes(StandardCharsets.UTF_8);
        byte[] password = proxy.password().text().getBytes(StandardCharsets.UTF_8);
        if (user.length > 255 || password.length > 255) {
            throw new ProxyFailure(Kind.AUTHENTICATION, "the user name and password for " + named()
                    + " must be at most 255 bytes each for SOCKS5 (RFC 1929)");
        }
        byte[] request = new byte[3 + user.length + password.length];
        request[0] = 1;
        request[1] = (byte) user.length;
        System.arraycopy(user, 0, request, 2, user.length);
        request[2 + user.length] = (byte) password.length;
        System.arraycopy(password, 0, request, 3 + user.length, password.length);
        stream.write(request);
        readByte(stream, "its authentication reply");
        if (readByte(stream, "its authentication reply") != 0) {
            throw new ProxyFailure(Kind.AUTHENTICATION, named() + " refused the credentials from " + proxy.username().source()
                    + " and " + proxy.password().source());
        }
    }

    private byte[] socks5Connect() throws ProxyFailure {
        byte[] address;
        int type;
        if (isIpLiteral(host)) {
            try {
                address = InetAddress.getByName(host).getAddress(); // a literal: parsed, never looked up
            } catch (UnknownHostException e) {
                throw new ProxyFailure(Kind.REFUSED, "not an IP address: " + host);
            }
            type = address.length == 4 ? 1 : 4;
        } else {
            address = host.getBytes(StandardCharsets.US_ASCII);
            type = 3;
        }
        byte[] request = new byte[4 + (type == 3 ? 1 : 0) + address.length + 2];
        int i = 0;
        request[i++] = SOCKS5;
        request[i++] = 1; // CONNECT
        request[i++] = 0;
        request[i++] = (byte) type;
        if (type == 3) {
            request[i++] = (byte) address.length;
        }
        System.arraycopy(address, 0, request, i, address.length);
        i += address.length;
        request[i++] = (byte) (port >> 8);
        request[i] = (byte) port;
        return request;
    }

    /** Dotted IPv4 or an IPv6 literal: sent as an address, so that the proxy does not try to resolve it as a name. */
    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    }

    private int readByte(Stream stream, String what) throws IOException {
        int b = stream.read();
        if (b < 0) {
            throw new ProxyFailure(Kind.UNREACHABLE, named() + " closed the connection before " + what);
        }
        return b;
    }

    private ProxyFailure notSocks5(int first, int second) {
        return new ProxyFailure(Kind.REFUSED, named() + " did not answer as a SOCKS5 proxy (first bytes "
                + HexFormat.of().formatHex(new byte[] {(byte) first, (byte) second}) + "); check spec.ssh.proxy.type and port");
    }

    private static String socksReply(int code) {
        return switch (code) {
            case 1 -> "general failure";
            case 2 -> "connection not allowed by ruleset";
            case 3 -> "network unreachable";
            case 4 -> "host unreachable";
            case 5 -> "connection refused";
            case 6 -> "TTL expired";
            case 7 -> "command not supported";
            case 8 -> "address type not supported";
            default -> "unassigned";
        };
    }
}
