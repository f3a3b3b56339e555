package dev.sshtunnel.forwarder.forward;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads one client's SOCKS handshake with asynchronous reads on {@link ForwardThreads#group()}: no thread
 * waits for a silent client. Each client gets {@link #DEADLINE} to send its request and holds a
 * buffer of at most {@link SocksHandshake#MAX_LENGTH} bytes meanwhile; at most {@link #MAX_IN_PROGRESS}
 * handshakes run at once in the process, and a client over that is closed at once.
 */
final class SocksNegotiation implements CompletionHandler<Integer, Void> {

    static final Duration DEADLINE = Duration.ofSeconds(10);
    /** Far above what real clients keep in flight (a browser opens tens), far below the fd limit. */
    static final int MAX_IN_PROGRESS = 1024;
    private static final Semaphore IN_PROGRESS = new Semaphore(MAX_IN_PROGRESS);

    /** Where a handshake ends: a request to connect, or a refusal (the client is then closed by the caller). */
    interface Outcome {
        void connect(SocksHandshake request);

        /**
         * The handshake failed; {@code byClient} when the client went away or sent nothing in time
         * (its choice, not the tunnel's failure).
         */
        void refuse(String message, boolean byClient);
    }

    private final AsynchronousSocketChannel client;
    private final Outcome outcome;
    private final ByteBuffer received = ByteBuffer.allocate(SocksHandshake.MAX_LENGTH);
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile ScheduledFuture<?> deadline;
    /** Only touched by the completion handler of the one read or write in flight. */
    private boolean methodSelected;

    private SocksNegotiation(AsynchronousSocketChannel client, Outcome outcome) {
        this.client = client;
        this.outcome = outcome;
    }

    /** Starts the handshake of an accepted client, its deadline on {@code timer}; returns at once. */
    static void start(AsynchronousSocketChannel client, ScheduledExecutorService timer, Outcome outcome) {
        if (!IN_PROGRESS.tryAcquire()) {
            outcome.refuse("too many SOCKS handshakes in progress (" + MAX_IN_PROGRESS + "), connection closed", false);
            return;
        }
        SocksNegotiation negotiation = new SocksNegotiation(client, outcome);
        negotiation.deadline = timer.schedule(() -> negotiation.fail(
                "no SOCKS request within " + DEADLINE.toSeconds() + " s", true), DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
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
            fail("SOCKS handshake failed: " + e, true);
        }
    }

    @Override
    public void completed(Integer n, Void ignored) {
        if (n < 0) {
            fail("client closed the connection during the SOCKS handshake", true);
            return;
        }
        if (received.hasRemaining()) {
            readOwed();
            return;
        }
        SocksHandshake.Outcome parsed = SocksHandshake.parse(received.duplicate().flip());
        if (parsed instanceof SocksHandshake.NeedMore more) {
            selectMethodThen(more.greeted(), () -> read(more.bytes()));
        } else if (parsed instanceof SocksHandshake.Complete complete) {
            selectMethodThen(complete.request().version == SocksHandshake.SOCKS5, () -> succeed(complete.request()));
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

    @Override
    public void failed(Throwable e, Void ignored) {
        fail(e instanceof AsynchronousCloseException ? "connection closed during the SOCKS handshake"
                : "SOCKS handshake failed: " + e.getMessage(), true);
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
                () -> fail("client went away during the SOCKS handshake", true));
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

    private void succeed(SocksHandshake request) {
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
