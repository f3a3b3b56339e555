package dev.sshtunnel.forwarder.forward;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.config.ForwardConfig;

/**
 * Thread-safe state and channel accounting of one forward; snapshots feed GET /status and metrics.
 * Connections are admitted ({@link #admit}) before anything is done for them, up to the forward's
 * maxConnections; each admitted connection ends in exactly one {@link #closed} (its channel was open)
 * or {@link #failed}.
 */
final class ForwardCounters {

    private final ForwardConfig config;
    private final AtomicReference<ForwardState> state = new AtomicReference<>(ForwardState.Pending);
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger admitted = new AtomicInteger();
    private final int maxConnections;
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicReference<LastError> lastError = new AtomicReference<>(LastError.NONE);
    private final AtomicReference<Integer> boundPort = new AtomicReference<>();

    ForwardCounters(ForwardConfig config) {
        this.config = config;
        this.maxConnections = config.maxConnections();
    }

    /** The forward's configuration. */
    ForwardConfig config() {
        return config;
    }

    /** Takes a place for a new connection; false when maxConnections are open or opening. */
    boolean admit() {
        while (true) {
            int now = admitted.get();
            if (now >= maxConnections) {
                return false;
            }
            if (admitted.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** The last failure: its reason and its lastError text, replaced together so a snapshot never mixes two. */
    private record LastError(Reason reason, String text) {
        static final LastError NONE = new LastError(null, "");

        static LastError of(Reason reason, String message) {
            return new LastError(reason, reason.lastError(message));
        }
    }

    /**
     * A connection refused without being admitted (over maxConnections), counted as a failed channel;
     * returns the lastError text, {@code consequence} saying what was done with the connection.
     */
    String overLimit(String consequence) {
        return refused(LastError.of(Reason.ForwardRejected, maxConnections + " connections open (maxConnections), " + consequence));
    }

    private String refused(LastError error) {
        total.incrementAndGet();
        failed.incrementAndGet();
        lastError.set(error);
        return error.text();
    }

    void state(ForwardState newState) {
        state.set(newState);
    }

    ForwardState state() {
        return state.get();
    }

    void boundPort(Integer port) {
        boundPort.set(port);
    }

    void opened() {
        total.incrementAndGet();
        active.incrementAndGet();
    }

    void closed() {
        active.decrementAndGet();
        admitted.decrementAndGet();
    }

    /** An admitted connection ended without an open channel; returns the lastError text. */
    String failed(Reason reason, String message) {
        admitted.decrementAndGet();
        return refused(LastError.of(reason, message));
    }

    /** A failure of the forward itself (not of one channel); returns the lastError text. */
    String error(Reason reason, String message) {
        LastError error = LastError.of(reason, message);
        lastError.set(error);
        return error.text();
    }

    void clearError() {
        lastError.set(LastError.NONE);
    }

    void sent(long bytes) {
        bytesOut.addAndGet(bytes);
    }

    void received(long bytes) {
        bytesIn.addAndGet(bytes);
    }

    long bytesSent() {
        return bytesOut.get();
    }

    long bytesReceived() {
        return bytesIn.get();
    }

    ForwardStatus snapshot() {
        ForwardStatus status = new ForwardStatus();
        status.setName(config.name());
        status.setType(config.type());
        status.setState(state.get());
        status.setPort(config.port());
        status.setBoundPort(boundPort.get());
        status.setActiveChannels(active.get());
        status.setTotalChannels(total.get());
        status.setFailedChannels(failed.get());
        LastError error = lastError.get();
        status.setLastError(error.text());
        status.setReason(error.reason());
        return status;
    }
}
