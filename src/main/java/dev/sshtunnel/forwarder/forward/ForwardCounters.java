package dev.sshtunnel.forwarder.forward;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.config.ForwardConfig;

/** Thread-safe state and channel accounting of one forward; snapshots feed GET /status and metrics. */
final class ForwardCounters {

    private final ForwardConfig config;
    private final AtomicReference<ForwardState> state = new AtomicReference<>(ForwardState.Pending);
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>("");
    private final AtomicReference<Integer> boundPort = new AtomicReference<>();

    ForwardCounters(ForwardConfig config) {
        this.config = config;
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
    }

    void failed(String error) {
        total.incrementAndGet();
        failed.incrementAndGet();
        lastError.set(error);
    }

    void error(String error) {
        lastError.set(error);
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
        status.setLastError(lastError.get());
        return status;
    }
}
