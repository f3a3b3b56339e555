package dev.sshtunnel.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import dev.sshtunnel.config.Sha256;

/**
 * A target that reads a stream to EOF and answers with the byte count and SHA-256 of what arrived
 * ("COUNT HEX\n"), so a test can prove a transfer through a forward lost and corrupted nothing.
 */
public final class DigestSink implements AutoCloseable {

    private final ServerSocket server;

    public DigestSink() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "digest-sink");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread worker = new Thread(() -> digest(socket), "digest-sink-conn");
                worker.setDaemon(true);
                worker.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void digest(Socket socket) {
        try (socket) {
            MessageDigest sha = Sha256.newDigest();
            byte[] buffer = new byte[256 * 1024];
            long count = 0;
            InputStream in = socket.getInputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                sha.update(buffer, 0, n);
                count += n;
            }
            socket.getOutputStream().write((count + " " + Sha256.hex(sha) + "\n")
                    .getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // the test sees the missing answer
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
