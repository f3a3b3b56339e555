package dev.sshtunnel.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;

/** The client half of a SOCKS5 CONNECT (RFC 1928, no authentication), for tests of Dynamic forwards. */
public final class Socks5 {

    public static final byte IPV4 = 1;
    public static final byte DOMAIN = 3;
    public static final byte IPV6 = 4;

    private Socks5() {
    }

    /** Greeting and CONNECT on an open socket; returns the reply code (0 = succeeded). */
    public static int connect(Socket socket, byte addressType, byte[] address, int port) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        out.write(new byte[] {5, 1, 0});
        byte[] method = in.readNBytes(2);
        if (method.length != 2 || method[0] != 5 || method[1] != 0) {
            throw new IOException("SOCKS5 method selection refused");
        }
        boolean domain = addressType == DOMAIN;
        ByteBuffer request = ByteBuffer.allocate(6 + (domain ? 1 : 0) + address.length).put(new byte[] {5, 1, 0, addressType});
        if (domain) {
            request.put((byte) address.length);
        }
        request.put(address).putShort((short) port);
        out.write(request.array());
        byte[] head = in.readNBytes(4);
        if (head.length != 4 || head[0] != 5) {
            throw new IOException("not a SOCKS5 reply");
        }
        int rest = switch (head[3]) {
            case IPV4 -> 4;
            case IPV6 -> 16;
            case DOMAIN -> in.readUnsignedByte();
            default -> throw new IOException("bad SOCKS5 address type " + head[3]);
        };
        in.readNBytes(rest + 2);
        return head[1];
    }
}
