package dev.sshtunnel.forwarder.forward;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.sshd.client.channel.ChannelDirectTcpip;

/**
 * Copies bytes between an accepted socket and an open direct-tcpip channel, one thread per
 * direction over MINA's blocking channel streams. Blocking streams give backpressure for free: a
 * write to the channel waits for the server's window, and the local window only opens as the
 * socket drains. Half-close is kept both ways: client EOF becomes SSH_MSG_CHANNEL_EOF (the reply
 * still flows), server EOF shuts the socket's output. Everything closes when both directions end.
 */
final class ChannelPump {

    private static final int BUFFER = 32 * 1024;

    private final Socket socket;
    private final ChannelDirectTcpip channel;
    private final ForwardCounters counters;
    private final AtomicInteger directionsLeft = new AtomicInteger(2);

    private ChannelPump(Socket socket, ChannelDirectTcpip channel, ForwardCounters counters) {
        this.socket = socket;
        this.channel = channel;
        this.counters = counters;
    }

    /** Starts both directions; the forward's active count drops when both have ended. */
    static void start(Socket socket, ChannelDirectTcpip channel, ForwardCounters counters, ExecutorService threads) {
        ChannelPump pump = new ChannelPump(socket, channel, counters);
        threads.execute(pump::clientToServer);
        threads.execute(pump::serverToClient);
    }

    private void clientToServer() {
        try {
            // Not closed when done: closing a socket's stream closes the socket, and the reply may still be coming.
            InputStream in = socket.getInputStream();
            OutputStream out = channel.getInvertedIn();
            byte[] buffer = new byte[BUFFER];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
                counters.sent(n);
            }
            // Client shut its write side: tell the server (EOF), keep the channel open for the reply.
            out.close();
        } catch (IOException e) {
            abort();
        } finally {
            ended();
        }
    }

    private void serverToClient() {
        try {
            InputStream in = channel.getInvertedOut();
            OutputStream out = socket.getOutputStream();
            byte[] buffer = new byte[BUFFER];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
                counters.received(n);
            }
            if (!socket.isClosed()) {
                socket.shutdownOutput();
            }
        } catch (IOException e) {
            abort();
        } finally {
            ended();
        }
    }

    private void abort() {
        closeQuietly();
    }

    private void ended() {
        if (directionsLeft.decrementAndGet() == 0) {
            closeQuietly();
            counters.closed();
        }
    }

    private void closeQuietly() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
        channel.close(false);
    }
}
