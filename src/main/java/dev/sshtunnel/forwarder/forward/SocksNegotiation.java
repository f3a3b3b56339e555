package dev.sshtunnel.forwarder.forward;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sshtunnel.api.v1alpha1.ForwardProtocol;

/**
 * Reads one client's SOCKS handshake, or with HTTPConnect among the forward's protocols its HTTP CONNECT request
 * (told apart by the first byte: 4 or 5 SOCKS, a letter an HTTP method), with asynchronous reads on
 * {@link ForwardThreads#group()}: no thread waits for a silent client. Each client gets {@link #DEADLINE} to send its
 * request and holds a buffer of at most {@link SocksHandshake#MAX_LENGTH} bytes meanwhile
 * ({@link HttpConnectHandshake#MAX_LENGTH} for HTTP); at most {@link #MAX_IN_PROGRESS} handshakes of either kind run
 * at once in the process, and a client over that is closed at once.
 */
final class SocksNegotiation implements CompletionHandler<Integer, Void> {

    static final Duration DEADLINE = Duration.ofSeconds(10);
    /** Far above what real clients keep in flight (a browser opens tens), far below the fd limit. */
    static final int MAX_IN_PROGRESS = 1024;
    private static final Semaphore IN_PROGRESS = new Semaphore(MAX_IN_PROGRESS);

    /** Where a handshake ends: a request to connect, or a refusal (the client is then closed by the caller). */
    interface Outcome {
        void connect(ConnectRequest request);

        /**
         * The handshake failed; {@code byClient} when the client went away or sent nothing in time
         * (its choice, not the tunnel's failure).
         */
        void refuse(String message, boolean byClient);
    }

    private final AsynchronousSocketChannel client;
    private final Outcome outcome;
    private final boolean socks;
    private final boolean http;
    /** SOCKS-sized until the first byte says HTTP. */
    private ByteBuffer received = ByteBuffer.allocate(SocksHandshake.MAX_LENGTH);
    /** Decided by the first byte; only touched by the completion handler of the one read in flight. */
    private boolean speaksHttp;
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile ScheduledFuture<?> deadline;
    /** Only touched by the completion handler of the one read or write in flight. */
    private boolean methodSelected;

    private SocksNegotiation(AsynchronousSocketChannel client, Set<ForwardProtocol> protocols, Outcome outcome) {
        this.client = client;
        this.outcome = outcome;
        this.socks = protocols.contains(ForwardProtocol.SOCKS);
        this.http = protocols.contains(ForwardProtocol.HTTPConnect);
    }

    /** Starts the handshake of an accepted client, its deadline on {@code timer}; returns at once. */
    static void start(AsynchronousSocketChannel client, ScheduledExecutorService timer, Set<ForwardProtocol> protocols,
            Outcome outcome) {
        if (!IN_PROGRESS.tryAcquire()) {
            outcome.refuse("too many " + (protocols.contains(ForwardProtocol.HTTPConnect) ? "SOCKS and HTTP CONNECT" : "SOCKS")
                    + " handshakes in progress (" + MAX_IN_PROGRESS + "), connection closed", false);
            return;
        }
        SocksNegotiation negotiation = new SocksNegotiation(client, protocols, outcome);
        negotiation.deadline = timer.schedule(() -> negotiation.fail(
                "no " + negotiation.expected() + " request within " + DEADLINE.toSeconds() + " s", true), DEADLINE.toMillis(),
                TimeUnit.MILLISECONDS);
        negotiation.read(1);
    }

    /** Reads exactly {@code bytes} more, never more than the parser needs: what follows the request belongs to the channel. */
    private void read(int bytes) {
        received.limit(received.position() + bytes);
        readOwed();
    }

    private void readOwed() {
        try {
            client.read(received, null, this);
        } catch (RuntimeException e) {
            fail(handshake() + " handshake failed: " + e, true);
        }
    }

    @Override
    public void completed(Integer n, Void ignored) {
        if (n < 0) {
            fail("client closed the connection during the " + handshake() + " handshake", true);
            return;
        }
        if (received.hasRemaining()) {
            readOwed();
            return;
        }
        if (received.position() == 1 && !firstByte()) {
            return;
        }
        SocksHandshake.Outcome parsed = speaksHttp ? HttpConnectHandshake.parse(received.duplicate().flip())
                : SocksHandshake.parse(received.duplicate().flip());
        if (parsed instanceof SocksHandshake.NeedMore more) {
            selectMethodThen(more.greeted(), () -> read(more.bytes()));
        } else if (parsed instanceof SocksHandshake.Complete complete) {
            selectMethodThen(complete.request() instanceof SocksHandshake request && request.version == SocksHandshake.SOCKS5,
                    () -> succeed(complete.request()));
        } else {
            SocksHandshake.Refused refused = (SocksHandshake.Refused) parsed;
            selectMethodThen(refused.greeted(), () -> {
                if (refused.reply() == null) {
                    fail(refused.message(), false);
                } else {
                    write(refused.reply(), () -> fail(refused.message(), false));
                }
            });
        }
    }

    /**
     * The first byte picks the protocol among the forward's; false when it fits none (the client is then refused).
     * An HTTP request gets a buffer of HTTP's bound, the byte carried over.
     */
    private boolean firstByte() {
        int first = Byte.toUnsignedInt(received.get(0));
        if (http && HttpConnectHandshake.startsRequest(first)) {
            speaksHttp = true;
            received = ByteBuffer.allocate(HttpConnectHandshake.MAX_LENGTH).put((byte) first);
            return true;
        }
        if (!http || socks && (first == SocksHandshake.SOCKS4 || first == SocksHandshake.SOCKS5)) {
            return true; // SOCKS's parser judges it, as on a SOCKS-only forward
        }
        fail(socks ? "not a " + expected() + " request (first byte " + first + ")"
                : "not an HTTP request (first byte " + first + "); this forward speaks HTTP CONNECT only", false);
        return false;
    }

    /** Which handshake this client is in, for messages. */
    private String handshake() {
        return speaksHttp ? "HTTP CONNECT" : "SOCKS";
    }

    private String expected() {
        return socks && http ? "SOCKS or HTTP CONNECT" : http ? "HTTP CONNECT" : "SOCKS";
    }

    @Override
    public void failed(Throwable e, Void ignored) {
        fail(e instanceof AsynchronousCloseException ? "connection closed during the " + handshake() + " handshake"
                : handshake() + " handshake failed: " + e.getMessage(), true);
    }

    /** A SOCKS5 client waits for the method selection after its greeting; it is sent once. */
    private void selectMethodThen(boolean greeted, Runnable next) {
        if (greeted && !methodSelected) {
            methodSelected = true;
            write(SocksHandshake.NO_AUTHENTICATION, next);
        } else {
            next.run();
        }
    }

    private void write(byte[] bytes, Runnable then) {
        ListeningForward.writeFully(client, ByteBuffer.wrap(bytes), then,
                () -> fail("client went away during the " + handshake() + " handshake", true));
    }

    private boolean finish() {
        if (!finished.compareAndSet(false, true)) {
            return false;
        }
        ScheduledFuture<?> timer = deadline;
        if (timer != null) {
            timer.cancel(false);
        }
        IN_PROGRESS.release();
        return true;
    }

    private void succeed(ConnectRequest request) {
        if (finish()) {
            outcome.connect(request);
        }
    }

    private void fail(String message, boolean byClient) {
        if (finish()) {
            outcome.refuse(message, byClient);
        }
    }
}
