package dev.sshtunnel.forwarder.forward;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client side of an HTTP proxy's CONNECT (RFC 9110 §9.3.6), for clients that only know HTTPS_PROXY: the request
 * line {@code CONNECT host:port HTTP/1.x}, headers up to the blank line (ignored), at most {@link #MAX_LENGTH} bytes.
 * Other methods get 405, anything malformed 400, a header too long 431.
 *
 * <p>A parser without I/O, as {@link SocksHandshake}: {@link #parse} says how many more bytes it needs at least. Until
 * the blank line arrives that is 4 minus the part of CR LF CR LF the bytes end with, so no byte after the header is
 * read: bytes a client sends ahead of the reply belong to the channel.
 */
final class HttpConnectHandshake implements ConnectRequest {

    /** The most header bytes one client may make us hold: far above a browser's or curl's CONNECT (about 150). */
    static final int MAX_LENGTH = 4096;
    private static final byte[] END = {'\r', '\n', '\r', '\n'};
    private static final Pattern REQUEST_LINE = Pattern.compile("([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\\S+) HTTP/1\\.[01]");
    private static final Pattern AUTHORITY = Pattern.compile("(?:\\[([0-9A-Fa-f:.]+)\\]|([^:\\[\\]]+)):([0-9]{1,5})");

    static final String OK = "HTTP/1.1 200 Connection established\r\n\r\n";

    private final String host;
    private final int port;

    private HttpConnectHandshake(String host, int port) {
        this.host = host;
        this.port = port;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    /** Whether a connection's first byte starts an HTTP request: a method is ASCII letters. */
    static boolean startsRequest(int firstByte) {
        return (firstByte >= 'A' && firstByte <= 'Z') || (firstByte >= 'a' && firstByte <= 'z');
    }

    /** Parses {@code received} from position 0 to its limit; does not move it. */
    static SocksHandshake.Outcome parse(ByteBuffer received) {
        ByteBuffer in = received.duplicate();
        int length = in.limit();
        if (!ends(in, length)) {
            if (length >= MAX_LENGTH) {
                return refused(431, "Request Header Fields Too Large", "HTTP CONNECT header longer than " + MAX_LENGTH + " bytes");
            }
            return new SocksHandshake.NeedMore(Math.min(MAX_LENGTH - length, END.length - endMatched(in, length)), false);
        }
        // Judged once the whole header is in: a refusal then leaves no unread byte, so the client gets it, not a reset.
        String line = new String(bytes(in, indexOfCrLf(in, length)), StandardCharsets.ISO_8859_1);
        Matcher request = REQUEST_LINE.matcher(line);
        if (!request.matches()) {
            return refused(400, "Bad Request", "not an HTTP/1.x request line");
        }
        if (!request.group(1).equals("CONNECT")) {
            // The method is a token (checked above): safe to name; the target is not.
            return new SocksHandshake.Refused(reply(405, "Method Not Allowed", "Allow: CONNECT\r\n"),
                    "HTTP method " + request.group(1) + " is not supported (CONNECT only)", false);
        }
        Matcher authority = AUTHORITY.matcher(request.group(2));
        if (!authority.matches()) {
            return refused(400, "Bad Request", BAD_TARGET);
        }
        int port = Integer.parseInt(authority.group(3));
        boolean literal = authority.group(1) != null;
        String host = literal ? authority.group(1) : authority.group(2);
        if (port < 1 || port > 65535 || !literal && !SocksHandshake.isHostName(host)) {
            return refused(400, "Bad Request", BAD_TARGET);
        }
        return new SocksHandshake.Complete(new HttpConnectHandshake(host, port));
    }

    /** The refusal names no byte of the target: it may hold CR/LF or escapes meant for logs. */
    static final String BAD_TARGET = "CONNECT target is not host:port (a host name or IP address, a port 1-65535)";

    private static SocksHandshake.Refused refused(int status, String text, String message) {
        return new SocksHandshake.Refused(reply(status, text, ""), message, false);
    }

    private static byte[] reply(int status, String text, String headers) {
        return ("HTTP/1.1 " + status + " " + text + "\r\n" + headers + "Content-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static int indexOfCrLf(ByteBuffer in, int length) {
        for (int i = 0; i + 1 < length; i++) {
            if (in.get(i) == '\r' && in.get(i + 1) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static boolean ends(ByteBuffer in, int length) {
        return endMatched(in, length) == END.length;
    }

    /** The longest tail of the bytes that is a start of CR LF CR LF. */
    private static int endMatched(ByteBuffer in, int length) {
        for (int k = Math.min(END.length, length); k > 0; k--) {
            boolean matches = true;
            for (int i = 0; i < k && matches; i++) {
                matches = in.get(length - k + i) == END[i];
            }
            if (matches) {
                return k;
            }
        }
        return 0;
    }

    private static byte[] bytes(ByteBuffer in, int to) {
        byte[] bytes = new byte[to];
        in.get(0, bytes);
        return bytes;
    }

    /**
     * 200 for success; the SOCKS codes the forward uses map to what an HTTP proxy says: 403 when the rules (the
     * target policy, the server's permitopen) refuse, else 502 (the server could not reach the target, or no channel).
     */
    @Override
    public byte[] replyBytes(int socksCode) {
        return switch (socksCode) {
            case SocksHandshake.SUCCEEDED -> OK.getBytes(StandardCharsets.US_ASCII);
            case DynamicForward.NOT_ALLOWED_BY_RULESET -> reply(403, "Forbidden", "");
            default -> reply(502, "Bad Gateway", "");
        };
    }
}
