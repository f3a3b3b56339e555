package dev.sshtunnel.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A hostile peer on loopback: accepts, writes {@code reply} (nothing, to stall) after the client's first bytes, then
 * holds the connection open without another word, until closed.
 */
public final class ScriptedPeer implements AutoCloseable {

    private final ServerSocket server;
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scripted-peer");
        t.setDaemon(true);
        return t;
    });

    public ScriptedPeer(byte[] reply) {
        try {
            server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    held.add(client);
                    threads.execute(() -> {
                        try {
                            client.getInputStream().read(new byte[512]);
                            client.getOutputStream().write(reply);
                        } catch (IOException e) {
                            // The client went away.
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    public int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : held) {
            socket.close();
        }
        threads.shutdownNow();
    }
}
