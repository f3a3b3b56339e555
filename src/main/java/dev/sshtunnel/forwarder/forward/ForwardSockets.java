package dev.sshtunnel.forwarder.forward;

import java.io.IOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.AsynchronousSocketChannel;

import jdk.net.ExtendedSocketOptions;

/** Options of every socket a forward moves bytes through: accepted clients and Remote targets. */
final class ForwardSockets {

    /** A peer that vanished without a reset is found after 60 s idle + 4 probes 15 s apart, not Linux's 2 h. */
    static final int KEEPALIVE_IDLE_SECONDS = 60;
    static final int KEEPALIVE_INTERVAL_SECONDS = 15;
    static final int KEEPALIVE_PROBES = 4;

    private ForwardSockets() {
    }

    static void configure(AsynchronousSocketChannel socket) {
        // Without TCP_NODELAY a small reply waits for the peer's delayed ACK (40 ms on Linux).
        set(socket, StandardSocketOptions.TCP_NODELAY, true);
        set(socket, StandardSocketOptions.SO_KEEPALIVE, true);
        set(socket, ExtendedSocketOptions.TCP_KEEPIDLE, KEEPALIVE_IDLE_SECONDS);
        set(socket, ExtendedSocketOptions.TCP_KEEPINTERVAL, KEEPALIVE_INTERVAL_SECONDS);
        set(socket, ExtendedSocketOptions.TCP_KEEPCOUNT, KEEPALIVE_PROBES);
    }

    private static <T> void set(AsynchronousSocketChannel socket, SocketOption<T> option, T value) {
        if (!socket.supportedOptions().contains(option)) {
            return; // the keepalive timers are Linux/macOS options
        }
        try {
            socket.setOption(option, value);
        } catch (IOException ignored) {
            // best effort; the socket may already be reset
        }
    }
}
