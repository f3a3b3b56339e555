package dev.sshtunnel.forwarder.session;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter between a floor and a ceiling: a fleet of forwarders that
 * lost the same bastion does not come back in lockstep, and a failing server is not hammered.
 */
public final class Backoff {

    private final long minMillis;
    private final long maxMillis;
    private int failures;

    public Backoff(Duration min, Duration max) {
        this.minMillis = min.toMillis();
        this.maxMillis = Math.max(min.toMillis(), max.toMillis());
    }

    /** The delay before the next attempt; grows with each call until {@link #reset()}. */
    public Duration next() {
        long ceiling = minMillis << Math.min(failures, 20);
        ceiling = Math.min(Math.max(ceiling, minMillis), maxMillis);
        failures++;
        long jittered = minMillis + ThreadLocalRandom.current().nextLong(Math.max(1, ceiling - minMillis + 1));
        return Duration.ofMillis(Math.min(jittered, maxMillis));
    }

    public void reset() {
        failures = 0;
    }
}
