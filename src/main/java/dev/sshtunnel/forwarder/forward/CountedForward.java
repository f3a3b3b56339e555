package dev.sshtunnel.forwarder.forward;

import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.config.ForwardConfig;

/** A forward whose channels go through {@link ChannelPump}s: its state, channel and byte counts. */
abstract class CountedForward implements Forward {

    protected final ForwardConfig config;
    protected final ForwardCounters counters;
    protected final ForwardThreads threads;

    CountedForward(ForwardConfig config, ForwardThreads threads) {
        this.config = config;
        this.counters = new ForwardCounters(config);
        this.threads = threads;
    }

    @Override
    public ForwardConfig config() {
        return config;
    }

    @Override
    public ForwardStatus status() {
        return counters.snapshot();
    }

    @Override
    public void abortChannels() {
        threads.deadlines().abortAll(counters);
    }

    /** Bytes pumped from the local socket into the session (from clients, or from a Remote forward's target). */
    @Override
    public long bytesSent() {
        return counters.bytesSent();
    }

    /** Bytes pumped from the session to the local socket. */
    @Override
    public long bytesReceived() {
        return counters.bytesReceived();
    }
}
