package dev.sshtunnel.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP target. ECHO returns bytes as they come; AFTER_EOF reads until the client's EOF,
 * then answers with the byte count and the whole input reversed (proves half-close: the reply can
 * only arrive if the tunnel kept the channel open after the client shut its write side).
 */
public final class EchoServer implements AutoCloseable {

    public enum Mode { ECHO, AFTER_EOF }

    private final ServerSocket socket;
    private final AtomicInteger accepted = new AtomicInteger();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "echo");
        t.setDaemon(true);
        return t;
    });

    public EchoServer(Mode mode) {
        try {
            socket = new ServerSocket(0, 1000, InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        threads.execute(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
                    accepted.incrementAndGet();
                    client.setTcpNoDelay(true);
                    threads.execute(() -> serve(client, mode));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private static void serve(Socket client, Mode mode) {
        try (client; InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
            if (mode == Mode.ECHO) {
                in.transferTo(out);
            } else {
                byte[] all = in.readAllBytes();
                byte[] reversed = new byte[all.length];
                for (int i = 0; i < all.length; i++) {
                    reversed[i] = all[all.length - 1 - i];
                }
                out.write((all.length + "\n").getBytes());
                out.write(reversed);
            }
        } catch (IOException ignored) {
            // client went away
        }
    }

    /** Connections accepted so far: a target the forwarder must not reach proves it by staying at 0. */
    public int accepted() {
        return accepted.get();
    }

    public int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
        threads.shutdownNow();
    }
}
