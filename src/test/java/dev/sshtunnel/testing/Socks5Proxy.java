package dev.sshtunnel.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A minimal SOCKS5 proxy on loopback (RFC 1928 CONNECT, with RFC 1929 username/password when given a user): Debian's
 * dante needs system users for username authentication, which a test cannot make. Names are resolved here, through
 * {@code names} first, so a test can use a name the forwarder itself cannot resolve; every request is recorded.
 */
public final class Socks5Proxy implements AutoCloseable {

    /** One CONNECT as the client sent it: a name stays a name. */
    public record Request(int addressType, String host, int port) {
    }

    private final ServerSocket server;
    private final String user;
    private final String password;
    private final Map<String, String> names;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "socks5-proxy");
        t.setDaemon(true);
        return t;
    });

    /** {@code user} null: no authentication. */
    public Socks5Proxy(String user, String password, Map<String, String> names) {
        this.user = user;
        this.password = password;
        this.names = Map.copyOf(names);
        UsedSecrets.text(password);
        try {
            server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    threads.execute(() -> serve(client));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    public int port() {
        return server.getLocalPort();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    private void serve(Socket client) {
        try (client) {
            DataInputStream in = new DataInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            if (in.readUnsignedByte() != 5) {
                return;
            }
            byte[] methods = in.readNBytes(in.readUnsignedByte());
            int wanted = user == null ? 0 : 2;
            boolean offered = false;
            for (byte m : methods) {
                offered |= m == wanted;
            }
            out.write(new byte[] {5, (byte) (offered ? wanted : 0xFF)});
            if (!offered) {
                return;
            }
            if (user != null) {
                in.readUnsignedByte();
                String u = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.UTF_8);
                String p = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.UTF_8);
                boolean ok = u.equals(user) && p.equals(password);
                out.write(new byte[] {1, (byte) (ok ? 0 : 1)});
                if (!ok) {
                    return;
                }
            }
            in.readUnsignedByte(); // version
            int command = in.readUnsignedByte();
            in.readUnsignedByte();
            int type = in.readUnsignedByte();
            String host = switch (type) {
                case 1 -> InetAddress.getByAddress(in.readNBytes(4)).getHostAddress();
                case 4 -> InetAddress.getByAddress(in.readNBytes(16)).getHostAddress();
                default -> new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.US_ASCII);
            };
            int port = in.readUnsignedShort();
            requests.add(new Request(type, host, port));
            Socket target;
            try {
                if (command != 1) {
                    throw new IOException("not CONNECT");
                }
                target = new Socket();
                target.connect(new InetSocketAddress(names.getOrDefault(host, host), port), 5000);
            } catch (IOException e) {
                out.write(new byte[] {5, 5, 0, 1, 0, 0, 0, 0, 0, 0});
                return;
            }
            try (target) {
                out.write(new byte[] {5, 0, 0, 1, 127, 0, 0, 1, 0, 0});
                threads.execute(() -> pump(in, target));
                pump(target.getInputStream(), client);
            }
        } catch (IOException e) {
            // The client or the target went away: the connection ends.
        }
    }

    private static void pump(InputStream from, Socket to) {
        try {
            from.transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            // Either side closed.
        }
    }

    private void pump(DataInputStream from, Socket to) {
        pump((InputStream) from, to);
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
