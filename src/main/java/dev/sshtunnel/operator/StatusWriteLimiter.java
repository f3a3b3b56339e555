package dev.sshtunnel.operator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * At most one status write per tunnel per interval, so a thousand tunnels with busy channels do not
 * flood the API server; a change that arrives sooner is written when the interval has passed.
 */
public class StatusWriteLimiter {

    private final Duration interval;
    private final Clock clock;
    private final Map<ResourceID, Instant> lastWrite = new ConcurrentHashMap<>();

    public StatusWriteLimiter(Duration interval, Clock clock) {
        this.interval = interval;
        this.clock = clock;
    }

    /** Zero when a write may happen now, else how long to wait. */
    public Duration waitBeforeWrite(ResourceID tunnel) {
        Instant last = lastWrite.get(tunnel);
        if (last == null) {
            return Duration.ZERO;
        }
        Duration elapsed = Duration.between(last, clock.instant());
        return elapsed.compareTo(interval) >= 0 ? Duration.ZERO : interval.minus(elapsed);
    }

    public void wrote(ResourceID tunnel) {
        Instant now = clock.instant();
        // Entries older than the interval mean nothing any more; dropping them keeps deleted tunnels from piling up.
        lastWrite.values().removeIf(last -> Duration.between(last, now).compareTo(interval) >= 0);
        lastWrite.put(tunnel, now);
    }
}
