package dev.sshtunnel.operator.status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * Paces status writes per tunnel so a thousand tunnels with busy channels do not flood the API
 * server: a transition (condition, state, port, error) is written at most once per
 * {@code transitionInterval}; a change of channel counters alone at most once per
 * {@code counterInterval}. A change that arrives sooner is written when its interval has passed.
 */
public class StatusWriteLimiter {

    private final Duration transitionInterval;
    private final Duration counterInterval;
    private final Clock clock;
    private final Map<ResourceID, Instant> lastWrite = new ConcurrentHashMap<>();

    public StatusWriteLimiter(Duration transitionInterval, Duration counterInterval, Clock clock) {
        this.transitionInterval = transitionInterval;
        this.counterInterval = counterInterval;
        this.clock = clock;
    }

    /** Zero when a write may happen now, else how long to wait. */
    public Duration waitBeforeWrite(ResourceID tunnel, StatusChange change) {
        Instant last = lastWrite.get(tunnel);
        if (last == null) {
            return Duration.ZERO;
        }
        Duration interval = change == StatusChange.TRANSITION ? transitionInterval : counterInterval;
        Duration elapsed = Duration.between(last, clock.instant());
        return elapsed.compareTo(interval) >= 0 ? Duration.ZERO : interval.minus(elapsed);
    }

    public void wrote(ResourceID tunnel) {
        Instant now = clock.instant();
        // Entries older than the longest interval mean nothing any more; dropping them keeps deleted tunnels from piling up.
        Duration longest = transitionInterval.compareTo(counterInterval) > 0 ? transitionInterval : counterInterval;
        lastWrite.values().removeIf(last -> Duration.between(last, now).compareTo(longest) >= 0);
        lastWrite.put(tunnel, now);
    }
}
