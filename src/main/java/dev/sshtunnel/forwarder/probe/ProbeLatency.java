package dev.sshtunnel.forwarder.probe;

import java.time.Duration;

/**
 * How long a forward's probes took (answered ones: reached, refused or timed out), as the buckets of a Prometheus
 * histogram in seconds. The bounds run from 5 ms (a channel to a host next to the server) to 60 s (the longest timeout).
 */
public final class ProbeLatency {

    static final double[] BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    /** cumulative[i]: probes that took at most bounds[i] seconds; count: all of them (the +Inf bucket). */
    public record Snapshot(double[] bounds, long[] cumulative, double sumSeconds, long count) {
    }

    private final long[] buckets = new long[BOUNDS.length];
    private double sum;
    private long count;

    synchronized void observe(Duration latency) {
        double seconds = latency.toNanos() / 1e9;
        for (int i = 0; i < BOUNDS.length; i++) {
            if (seconds <= BOUNDS[i]) {
                buckets[i]++;
                break;
            }
        }
        sum += seconds;
        count++;
    }

    public synchronized Snapshot snapshot() {
        long[] cumulative = new long[BOUNDS.length];
        long running = 0;
        for (int i = 0; i < BOUNDS.length; i++) {
            running += buckets[i];
            cumulative[i] = running;
        }
        return new Snapshot(BOUNDS.clone(), cumulative, sum, count);
    }
}
