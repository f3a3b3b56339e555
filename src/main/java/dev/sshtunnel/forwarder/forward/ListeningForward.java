package dev.sshtunnel.forwarder.forward;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.ExecutorService;

import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.config.ForwardConfig;

/**
 * A forward with a listener in this process (Local, Dynamic). The listener is bound once and stays
 * bound across reconnects; a connection accepted while no session is attached is closed and counted.
 */
abstract class ListeningForward implements Forward {

    private static final Logger LOG = Logger.getLogger(ListeningForward.class);

    protected final ForwardConfig config;
    protected final ForwardCounters counters;
    protected final ExecutorService threads;
    private final String listenAddress;
    private volatile ClientSession session;
    private volatile ServerSocket listener;

    ListeningForward(ForwardConfig config, String listenAddress, ExecutorService threads) {
        this.config = config;
        this.listenAddress = listenAddress;
        this.threads = threads;
        this.counters = new ForwardCounters(config);
    }

    @Override
    public ForwardConfig config() {
        return config;
    }

    @Override
    public void start() throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        try {
            socket.bind(new InetSocketAddress(InetAddress.getByName(listenAddress), config.port()), 1024);
        } catch (IOException e) {
            socket.close();
            counters.state(ForwardState.Failed);
            counters.error(Reason.ForwardRejected + ": cannot listen on " + listenAddress + ":" + config.port() + ": " + e.getMessage());
            throw new IOException("forward " + config.name() + ": cannot listen on " + listenAddress + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
        listener = socket;
        Thread acceptor = new Thread(this::acceptLoop, "accept-" + config.name());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The port actually bound (differs from the configured one only in tests that ask for 0). */
    public int localPort() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
        ServerSocket socket = listener;
        while (!socket.isClosed()) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    LOG.warnf("forward %s: accept failed: %s", config.name(), e.getMessage());
                }
                continue;
            }
            threads.execute(() -> handle(client));
        }
    }

    private void handle(Socket client) {
        try {
            client.setTcpNoDelay(true);
        } catch (SocketException ignored) {
            // best effort
        }
        ClientSession current = session;
        if (current == null || !current.isOpen()) {
            refuse(client, Reason.Connecting + ": no SSH session, connection closed");
            return;
        }
        try {
            ChannelDirectTcpip channel = connect(current, client);
            if (channel == null) {
                return;
            }
            counters.opened();
            ChannelPump.start(client, channel, counters, threads);
        } catch (IOException e) {
            refuse(client, e.getMessage());
        }
    }

    /**
     * Opens the channel for an accepted client (Dynamic first runs the SOCKS handshake). Returns
     * null when the connection was already answered and closed.
     */
    protected abstract ChannelDirectTcpip connect(ClientSession session, Socket client) throws IOException;

    protected void refuse(Socket client, String error) {
        counters.failed(error);
        LOG.warnf("forward %s: channel failed: %s", config.name(), error);
        try {
            client.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void attach(ClientSession newSession) {
        session = newSession;
        counters.state(ForwardState.Active);
    }

    @Override
    public void detach() {
        session = null;
        if (counters.state() == ForwardState.Active) {
            counters.state(ForwardState.Pending);
        }
    }

    @Override
    public ForwardStatus status() {
        return counters.snapshot();
    }

    @Override
    public long bytesSent() {
        return counters.bytesSent();
    }

    @Override
    public long bytesReceived() {
        return counters.bytesReceived();
    }

    @Override
    public void close() {
        session = null;
        ServerSocket socket = listener;
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        counters.state(ForwardState.Pending);
    }
}
