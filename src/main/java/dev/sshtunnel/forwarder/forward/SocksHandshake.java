package dev.sshtunnel.forwarder.forward;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The client side of a SOCKS CONNECT: versions 4, 4a and 5 (no authentication), IPv4, IPv6 and
 * domain names. Names are not resolved here: {@link DynamicForward} resolves and judges them when a target policy is
 * in force, otherwise the SSH server resolves them, as with ssh -D.
 *
 * <p>A parser without I/O, so that the handshake runs on the I/O group's completion handlers instead
 * of a thread per client ({@link SocksNegotiation}): {@link #parse} reads every byte received so far
 * and says how many more it needs at least. Asking for no more than that keeps bytes the client sends
 * after its request (optimistic clients do) in the socket, for the channel.
 */
final class SocksHandshake implements ConnectRequest {

    static final int SOCKS4 = 4;
    static final int SOCKS5 = 5;
    /** SOCKS5 reply codes (RFC 1928 §6). */
    static final int SUCCEEDED = 0;
    static final int GENERAL_FAILURE = 1;
    static final int COMMAND_NOT_SUPPORTED = 7;
    static final int ADDRESS_TYPE_NOT_SUPPORTED = 8;
    /** SOCKS5 method selection: no authentication required. */
    static final byte[] NO_AUTHENTICATION = {SOCKS5, 0};
    /** Longest SOCKS4 user id or SOCKS4a name; also bounds what one handshake may make us hold. */
    private static final int MAX_FIELD = 255;
    /**
     * The longest handshake, the buffer one client may make us hold: SOCKS4a with a 255-byte user id
     * and name (8 + 256 + 256); SOCKS5 with 255 methods and a 255-byte name is one byte shorter.
     */
    static final int MAX_LENGTH = 8 + 256 + 256;

    final int version;
    final String host;
    final int port;

    private SocksHandshake(int version, String host, int port) {
        this.version = version;
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

    /** What the bytes received so far amount to. */
    sealed interface Outcome permits NeedMore, Complete, Refused {
    }

    /**
     * More bytes are needed, at least {@code bytes}; {@code greeted} once a SOCKS5 greeting offering
     * "no authentication" is complete, when the client waits for the method selection.
     */
    record NeedMore(int bytes, boolean greeted) implements Outcome {
    }

    /** A CONNECT request; for SOCKS5 the greeting before it was complete (method selection owed). */
    record Complete(ConnectRequest request) implements Outcome {
    }

    /**
     * A request this proxy refuses: {@code reply} (may be null) goes to the client before it is closed;
     * {@code greeted} when a SOCKS5 greeting came first, whose method selection the reply follows.
     */
    record Refused(byte[] reply, String message, boolean greeted) implements Outcome {
        Refused(byte[] reply, String message) {
            this(reply, message, false);
        }
    }

    /** Parses {@code received} from position 0 to its limit; does not move it. */
    static Outcome parse(ByteBuffer received) {
        ByteBuffer in = received.duplicate();
        in.position(0);
        if (!in.hasRemaining()) {
            return new NeedMore(1, false);
        }
        int version = Byte.toUnsignedInt(in.get());
        if (version == SOCKS4) {
            return parseSocks4(in);
        }
        if (version == SOCKS5) {
            return parseSocks5(in);
        }
        return new Refused(null, "not a SOCKS request (version byte " + version + ")");
    }

    private static Outcome parseSocks4(ByteBuffer in) {
        if (in.remaining() < 7) {
            return new NeedMore(7 - in.remaining(), false);
        }
        int command = Byte.toUnsignedInt(in.get());
        int port = Short.toUnsignedInt(in.getShort());
        byte[] ip = new byte[4];
        in.get(ip);
        int userEnd = nul(in, in.position());
        if (userEnd < 0) {
            return fieldOutcome(in, in.position(), 4);
        }
        in.position(userEnd + 1); // user id, ignored
        String host;
        if (ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0) {
            int nameEnd = nul(in, in.position()); // SOCKS4a: the name follows
            if (nameEnd < 0) {
                return fieldOutcome(in, in.position(), 4);
            }
            host = new String(bytes(in, in.position(), nameEnd), StandardCharsets.ISO_8859_1);
            if (!isHostName(host)) {
                return new Refused(new SocksHandshake(SOCKS4, "", port).replyBytes(GENERAL_FAILURE), NOT_A_HOST_NAME);
            }
        } else {
            host = address(ip);
        }
        SocksHandshake request = new SocksHandshake(SOCKS4, host, port);
        if (command != 1) {
            return new Refused(request.replyBytes(GENERAL_FAILURE), "SOCKS4 command " + command + " is not supported (CONNECT only)");
        }
        return new Complete(request);
    }

    /** Index of the NUL that ends a field starting at {@code from}, or -1 when it has not arrived. */
    private static int nul(ByteBuffer in, int from) {
        for (int i = from; i < in.limit() && i - from <= MAX_FIELD; i++) {
            if (in.get(i) == 0) {
                return i;
            }
        }
        return -1;
    }

    /** A NUL-terminated field without its NUL yet: too long, or one more byte needed (no read-ahead past the NUL). */
    private static Outcome fieldOutcome(ByteBuffer in, int from, int version) {
        if (in.limit() - from > MAX_FIELD) {
            return new Refused(null, "SOCKS" + version + " field too long");
        }
        return new NeedMore(1, false);
    }

    private static Outcome parseSocks5(ByteBuffer in) {
        if (in.remaining() < 1) {
            return new NeedMore(1, false);
        }
        int methods = Byte.toUnsignedInt(in.get());
        if (in.remaining() < methods) {
            return new NeedMore(methods - in.remaining(), false);
        }
        boolean noAuth = false;
        for (int i = 0; i < methods; i++) {
            noAuth |= in.get() == 0;
        }
        if (!noAuth) {
            return new Refused(new byte[] {SOCKS5, (byte) 0xFF}, "SOCKS5 client offers no 'no authentication' method");
        }
        if (in.remaining() < 4) {
            return new NeedMore(4 - in.remaining(), true);
        }
        if (Byte.toUnsignedInt(in.get()) != SOCKS5) {
            return new Refused(null, "SOCKS5 request with a wrong version", true);
        }
        int command = Byte.toUnsignedInt(in.get());
        in.get(); // reserved
        int type = Byte.toUnsignedInt(in.get());
        int addressLength;
        switch (type) {
            case 1 -> addressLength = 4;
            case 4 -> addressLength = 16;
            case 3 -> {
                if (!in.hasRemaining()) {
                    return new NeedMore(1, true);
                }
                addressLength = 1 + Byte.toUnsignedInt(in.get(in.position()));
            }
            default -> {
                return new Refused(reply5Bytes(ADDRESS_TYPE_NOT_SUPPORTED), "SOCKS5 address type " + type + " is not supported", true);
            }
        }
        if (in.remaining() < addressLength + 2) {
            return new NeedMore(addressLength + 2 - in.remaining(), true);
        }
        String host;
        if (type == 3) {
            in.get(); // length
            host = new String(bytes(in, in.position(), in.position() + addressLength - 1), StandardCharsets.ISO_8859_1);
            if (!isHostName(host)) {
                return new Refused(reply5Bytes(GENERAL_FAILURE), NOT_A_HOST_NAME, true);
            }
            in.position(in.position() + addressLength - 1);
        } else {
            byte[] ip = new byte[addressLength];
            in.get(ip);
            host = address(ip);
        }
        int port = Short.toUnsignedInt(in.getShort());
        SocksHandshake request = new SocksHandshake(SOCKS5, host, port);
        if (command != 1) {
            return new Refused(request.replyBytes(COMMAND_NOT_SUPPORTED), "SOCKS5 command " + command + " is not supported (CONNECT only)",
                    true);
        }
        return new Complete(request);
    }

    private static byte[] bytes(ByteBuffer in, int from, int to) {
        byte[] bytes = new byte[to - from];
        in.get(from, bytes);
        return bytes;
    }

    private static String address(byte[] ip) {
        try {
            return InetAddress.getByAddress(ip).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an IP address of 4 or 16 bytes", e); // lengths are fixed above
        }
    }

    /** The refusal names no bytes of the name: they may hold CR/LF or other control characters meant for logs. */
    static final String NOT_A_HOST_NAME = "SOCKS domain name is empty or is not a host name (letters, digits, '-', '_', '.')";

    /** What a client may ask the SSH server to resolve: a DNS-style name of 1-253 characters. */
    static boolean isHostName(String name) {
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    /** Success (0) or a SOCKS5 reply code; SOCKS4 knows only granted (0x5A) and rejected (0x5B). */
    @Override
    public byte[] replyBytes(int code) {
        if (version == SOCKS4) {
            return new byte[] {0, (byte) (code == SUCCEEDED ? 0x5A : 0x5B), 0, 0, 0, 0, 0, 0};
        }
        return reply5Bytes(code);
    }

    private static byte[] reply5Bytes(int code) {
        return new byte[] {SOCKS5, (byte) code, 0, 1, 0, 0, 0, 0, 0, 0};
    }
}
