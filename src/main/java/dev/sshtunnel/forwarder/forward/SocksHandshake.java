package dev.sshtunnel.forwarder.forward;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * The client side of a SOCKS CONNECT: versions 4, 4a and 5 (no authentication), IPv4, IPv6 and
 * domain names. Names are not resolved here: the SSH server resolves them, as with ssh -D.
 */
final class SocksHandshake {

    static final int SOCKS4 = 4;
    static final int SOCKS5 = 5;
    /** SOCKS5 reply codes (RFC 1928 §6). */
    static final int SUCCEEDED = 0;
    static final int GENERAL_FAILURE = 1;
    static final int COMMAND_NOT_SUPPORTED = 7;
    static final int ADDRESS_TYPE_NOT_SUPPORTED = 8;
    private static final int MAX_FIELD = 255;

    final int version;
    final String host;
    final int port;

    private SocksHandshake(int version, String host, int port) {
        this.version = version;
        this.host = host;
        this.port = port;
    }

    /** A request this proxy refuses; the refusal has been sent to the client. */
    static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    /** Reads the greeting and CONNECT request; answers method selection and refuses what is not supported. */
    static SocksHandshake read(DataInputStream in, OutputStream out) throws IOException {
        int version = in.readUnsignedByte();
        if (version == SOCKS4) {
            return readSocks4(in, out);
        }
        if (version == SOCKS5) {
            return readSocks5(in, out);
        }
        throw new Refused("not a SOCKS request (version byte " + version + ")");
    }

    private static SocksHandshake readSocks4(DataInputStream in, OutputStream out) throws IOException {
        int command = in.readUnsignedByte();
        int port = in.readUnsignedShort();
        byte[] ip = in.readNBytes(4);
        if (ip.length < 4) {
            throw new EOFException();
        }
        readNulTerminated(in); // user id, ignored
        String host;
        if (ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0) {
            host = readNulTerminated(in); // SOCKS4a: the name follows
            if (!isHostName(host)) {
                new SocksHandshake(SOCKS4, "", port).reply(out, GENERAL_FAILURE);
                throw new Refused(NOT_A_HOST_NAME);
            }
        } else {
            host = InetAddress.getByAddress(ip).getHostAddress();
        }
        SocksHandshake request = new SocksHandshake(SOCKS4, host, port);
        if (command != 1) {
            request.reply(out, GENERAL_FAILURE);
            throw new Refused("SOCKS4 command " + command + " is not supported (CONNECT only)");
        }
        return request;
    }

    private static SocksHandshake readSocks5(DataInputStream in, OutputStream out) throws IOException {
        int methods = in.readUnsignedByte();
        byte[] offered = in.readNBytes(methods);
        boolean noAuth = false;
        for (byte method : offered) {
            noAuth |= method == 0;
        }
        if (!noAuth) {
            out.write(new byte[] {SOCKS5, (byte) 0xFF});
            out.flush();
            throw new Refused("SOCKS5 client offers no 'no authentication' method");
        }
        out.write(new byte[] {SOCKS5, 0});
        out.flush();
        if (in.readUnsignedByte() != SOCKS5) {
            throw new Refused("SOCKS5 request with a wrong version");
        }
        int command = in.readUnsignedByte();
        in.readUnsignedByte(); // reserved
        int type = in.readUnsignedByte();
        String host;
        switch (type) {
            case 1 -> host = InetAddress.getByAddress(in.readNBytes(4)).getHostAddress();
            case 3 -> {
                host = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.ISO_8859_1);
                if (!isHostName(host)) {
                    reply5(out, GENERAL_FAILURE);
                    throw new Refused(NOT_A_HOST_NAME);
                }
            }
            case 4 -> host = InetAddress.getByAddress(in.readNBytes(16)).getHostAddress();
            default -> {
                reply5(out, ADDRESS_TYPE_NOT_SUPPORTED);
                throw new Refused("SOCKS5 address type " + type + " is not supported");
            }
        }
        int port = in.readUnsignedShort();
        SocksHandshake request = new SocksHandshake(SOCKS5, host, port);
        if (command != 1) {
            request.reply(out, COMMAND_NOT_SUPPORTED);
            throw new Refused("SOCKS5 command " + command + " is not supported (CONNECT only)");
        }
        return request;
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
    void reply(OutputStream out, int code) throws IOException {
        out.write(replyBytes(code));
        out.flush();
    }

    byte[] replyBytes(int code) {
        if (version == SOCKS4) {
            return new byte[] {0, (byte) (code == SUCCEEDED ? 0x5A : 0x5B), 0, 0, 0, 0, 0, 0};
        }
        return reply5Bytes(code);
    }

    private static void reply5(OutputStream out, int code) throws IOException {
        out.write(reply5Bytes(code));
        out.flush();
    }

    private static byte[] reply5Bytes(int code) {
        return new byte[] {SOCKS5, (byte) code, 0, 1, 0, 0, 0, 0, 0, 0};
    }

    private static String readNulTerminated(DataInputStream in) throws IOException {
        StringBuilder text = new StringBuilder();
        int b;
        while ((b = in.readUnsignedByte()) != 0) {
            if (text.length() >= MAX_FIELD) {
                throw new Refused("SOCKS4 field too long");
            }
            text.append((char) b);
        }
        return text.toString();
    }
}
