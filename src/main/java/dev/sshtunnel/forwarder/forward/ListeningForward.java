package dev.sshtunnel.forwarder.forward;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.sshd.client.session.ClientSession;
import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.config.ForwardConfig;

/**
 * A forward with a listener in this process (Local, Dynamic). The listener is bound once and stays
 * bound across reconnects; a connection accepted while no session is attached is closed and counted.
 * Accepting, opening the channel and pumping are asynchronous on {@link ForwardThreads#group()}: no thread
 * waits for a connection or a channel.
 */
abstract class ListeningForward extends CountedForward {

    private static final Logger LOG = Logger.getLogger(ListeningForward.class);
    /** After a failed accept (out of file descriptors, say) wait before the next, instead of spinning. */
    private static final long ACCEPT_RETRY_MILLIS = 100;
    /** A channel the server has neither confirmed nor refused by then counts as failed (Unreachable). */
    static final Duration CHANNEL_OPEN_TIMEOUT = Duration.ofSeconds(30);

    private final String listenAddress;
    private final Acceptor acceptor = new Acceptor();
    private final AtomicBoolean atCapacity = new AtomicBoolean();
    /** Sessions new connections may go to (several with spec.ssh.sessions above 1), in attach order. */
    private final List<ClientSession> sessions = new CopyOnWriteArrayList<>();
    private volatile AsynchronousServerSocketChannel listener;
    private final ChannelFailureLog failures;

    ListeningForward(ForwardConfig config, String listenAddress, ForwardThreads threads) {
        super(config, threads);
        this.listenAddress = listenAddress;
        this.failures = new ChannelFailureLog(config.name(), threads.timer());
    }

    @Override
    public void start() throws IOException {
        AsynchronousServerSocketChannel socket = AsynchronousServerSocketChannel.open(threads.group());
        try {
            socket.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(listenAddress), config.port()), 1024);
        } catch (IOException e) {
            socket.close();
            counters.state(ForwardState.Failed);
            counters.error(Reason.ForwardRejected, "cannot listen on " + listenAddress + ":" + config.port() + ": " + e.getMessage());
            throw new IOException("forward " + config.name() + ": cannot listen on " + listenAddress + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
        listener = socket;
        accept();
    }

    /** The port actually bound (differs from the configured one only in tests that ask for 0). */
    public int localPort() {
        try {
            return ((InetSocketAddress) listener.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new IllegalStateException("forward " + config.name() + " is not listening", e);
        }
    }

    private void accept() {
        AsynchronousServerSocketChannel socket = listener;
        if (socket != null && socket.isOpen()) {
            socket.accept(null, acceptor);
        }
    }

    private final class Acceptor implements CompletionHandler<AsynchronousSocketChannel, Void> {
        @Override
        public void completed(AsynchronousSocketChannel client, Void ignored) {
            accept();
            handle(client);
        }

        @Override
        public void failed(Throwable e, Void ignored) {
            AsynchronousServerSocketChannel socket = listener;
            if (e instanceof AsynchronousCloseException || socket == null || !socket.isOpen()) {
                return; // closed by close()
            }
            LOG.warnf("forward %s: accept failed: %s", config.name(), e.getMessage());
            threads.timer().schedule(ListeningForward.this::accept, ACCEPT_RETRY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void handle(AsynchronousSocketChannel client) {
        if (!counters.admit()) {
            overLimit(client);
            return;
        }
        atCapacity.set(false);
        ForwardSockets.configure(client);
        ClientSession current = leastBusy(sessions);
        if (current == null) {
            refuse(client, Reason.Connecting, "no SSH session, connection closed");
            return;
        }
        connect(current, client);
    }

    /**
     * The open session with the fewest channels, preferring one that is not being replaced; null when
     * none is open. Ties go to the one attached last (the newest session after a live change).
     */
    static ClientSession leastBusy(List<ClientSession> candidates) {
        ClientSession best = null;
        long bestRank = Long.MAX_VALUE;
        for (ClientSession candidate : candidates) {
            if (!candidate.isOpen()) {
                continue;
            }
            long rank = Forward.openChannels(candidate) + (Boolean.TRUE.equals(candidate.getAttribute(RETIRING)) ? 1L << 32 : 0);
            if (rank <= bestRank) {
                best = candidate;
                bestRank = rank;
            }
        }
        return best;
    }

    @Override
    public ClientSession probeSession() {
        return leastBusy(sessions);
    }

    /** Over maxConnections: closed at once and counted; logged once until a connection is admitted again. */
    private void overLimit(AsynchronousSocketChannel client) {
        String error = counters.overLimit("connection closed");
        if (atCapacity.compareAndSet(false, true)) {
            LOG.warnf("forward %s: %s", config.name(), error);
        }
        closeQuietly(client);
    }

    /** Takes an accepted client to an open channel (Dynamic first runs the SOCKS handshake); must not block. */
    protected abstract void connect(ClientSession session, AsynchronousSocketChannel client);

    /** What the client is told once its channel is open or refused, before any data (SOCKS replies). */
    interface OpenReply {
        OpenReply NONE = new OpenReply() {
        };

        /** Bytes to send before the channel's data; null for none. */
        default ByteBuffer opened() {
            return null;
        }

        /** Bytes to send before the client is closed; null for none. */
        default ByteBuffer refused(ChannelOpenFailure failure) {
            return null;
        }
    }

    protected final void bridge(ClientSession session, AsynchronousSocketChannel client, String host, int port) {
        bridge(session, client, host, port, OpenReply.NONE);
    }

    /**
     * Opens a direct-tcpip channel to host:port for the client and starts the pump when it is open;
     * a refusal or a time-out closes the client and is counted. Does not block.
     */
    protected final void bridge(ClientSession session, AsynchronousSocketChannel client, String host, int port, OpenReply reply) {
        ChannelPump pump;
        try {
            pump = ChannelPump.directTcpip(session, client, host, port, counters, threads.deadlines());
        } catch (IOException | RuntimeException e) {
            refused(client, ChannelOpenFailure.classify(e, host, port), reply);
            return;
        }
        AtomicBoolean answered = new AtomicBoolean();
        ScheduledFuture<?> timeout = threads.timer().schedule(() -> {
            if (answered.compareAndSet(false, true)) {
                pump.cancel();
                refused(client, ChannelOpenFailure.timedOut(host, port, CHANNEL_OPEN_TIMEOUT), reply);
            }
        }, CHANNEL_OPEN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        try {
            pump.open().addListener(opened -> {
                if (!answered.compareAndSet(false, true)) {
                    return;
                }
                timeout.cancel(false);
                if (opened.isOpened()) {
                    ByteBuffer first = reply.opened();
                    if (first == null) {
                        pump.start();
                    } else {
                        writeFully(client, first, pump::start, () -> {
                            pump.abort();
                            abandoned(client, Reason.ForwardRejected, "client went away before its channel opened");
                        });
                    }
                } else {
                    pump.cancel();
                    refused(client, ChannelOpenFailure.classify(opened.getException(), host, port), reply);
                }
            });
        } catch (IOException | RuntimeException e) {
            if (answered.compareAndSet(false, true)) {
                timeout.cancel(false);
                pump.cancel();
                refused(client, ChannelOpenFailure.classify(e, host, port), reply);
            }
        }
    }

    private void refused(AsynchronousSocketChannel client, ChannelOpenFailure failure, OpenReply reply) {
        ByteBuffer last = reply.refused(failure);
        if (last == null) {
            refuse(client, failure.reason, failure.detail);
        } else {
            Runnable close = () -> refuse(client, failure.reason, failure.detail);
            writeFully(client, last, close, close);
        }
    }

    /** Writes all of {@code bytes} asynchronously, then runs {@code then}; {@code failed} if the client went away. */
    static void writeFully(AsynchronousSocketChannel client, ByteBuffer bytes, Runnable then, Runnable failed) {
        try {
            client.write(bytes, null, new CompletionHandler<Integer, Void>() {
                @Override
                public void completed(Integer written, Void ignored) {
                    if (bytes.hasRemaining()) {
                        client.write(bytes, null, this);
                    } else {
                        then.run();
                    }
                }

                @Override
                public void failed(Throwable e, Void ignored) {
                    failed.run();
                }
            });
        } catch (RuntimeException e) {
            failed.run();
        }
    }

    /** A failed channel: counted, and logged once per episode (a server refusing thousands must not flood the log). */
    protected void refuse(AsynchronousSocketChannel client, Reason reason, String message) {
        failures.failed(counters.failed(reason, message));
        closeQuietly(client);
    }

    /**
     * A client that gave up before asking for a channel (closed, reset or silent past the deadline):
     * counted, but logged only at debug, so that a client opening and dropping thousands of
     * connections cannot flood the log.
     */
    protected void abandoned(AsynchronousSocketChannel client, Reason reason, String message) {
        String error = counters.failed(reason, message);
        LOG.debugf("forward %s: client gave up: %s", config.name(), error);
        closeQuietly(client);
    }

    private static void closeQuietly(AsynchronousSocketChannel client) {
        try {
            client.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    /**
     * New connections go to {@code newSession}; channels open on an earlier one stay there until they
     * end. A forward added by a live change whose port could not be bound tries again here.
     */
    @Override
    public synchronized void attach(ClientSession newSession) throws IOException {
        if (listener == null) {
            start();
        }
        if (!sessions.contains(newSession)) {
            sessions.add(newSession);
        }
        counters.state(ForwardState.Active);
    }

    @Override
    public synchronized void detach(ClientSession lost) {
        sessions.remove(lost);
        if (sessions.isEmpty() && counters.state() == ForwardState.Active) {
            counters.state(ForwardState.Pending);
        }
    }

    @Override
    public void close() {
        sessions.clear();
        AsynchronousServerSocketChannel socket = listener;
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        counters.state(ForwardState.Pending);
        failures.close();
    }
}
