package dev.sshtunnel.forwarder.forward;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dev.sshtunnel.config.ForwardConfig;

/**
 * Closes channels that stopped moving: idle both ways for the forward's idleTimeoutSeconds, or with
 * bytes owed to a client that has accepted none of them for the write deadline (the idle timeout
 * when set, else {@link #DEFAULT_WRITE_DEADLINE}). One sweep a second over the open channels of the
 * forwarder, on its {@link ForwardThreads} timer thread; a channel costs a set entry, not a timer task.
 */
final class ChannelDeadlines {

    private static final Logger LOG = Logger.getLogger(ChannelDeadlines.class);
    /** A reader that takes nothing for this long while bytes wait for it is closed even without an idle timeout. */
    static final Duration DEFAULT_WRITE_DEADLINE = Duration.ofMinutes(10);
    private final Set<ChannelPump> open = ConcurrentHashMap.newKeySet();

    /** Sweeps on {@code timer} until it is shut down. */
    ChannelDeadlines(ScheduledExecutorService timer) {
        timer.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    }

    /** Idle deadline in nanoseconds, 0 for none. */
    static long idleNanos(ForwardConfig config) {
        return config.idleTimeout() == null ? 0 : config.idleTimeout().toNanos();
    }

    static long writeNanos(ForwardConfig config) {
        return config.idleTimeout() == null ? DEFAULT_WRITE_DEADLINE.toNanos() : config.idleTimeout().toNanos();
    }

    void watch(ChannelPump pump) {
        open.add(pump);
    }

    void forget(ChannelPump pump) {
        open.remove(pump);
    }

    /** Closes the open channels counted by {@code counters}: those of one forward. */
    void abortAll(ForwardCounters counters) {
        for (ChannelPump pump : open) {
            if (pump.countedBy(counters)) {
                pump.abort();
            }
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (ChannelPump pump : open) {
            String expired = pump.expired(now);
            if (expired != null) {
                LOG.debugf("channel closed: %s", expired);
                pump.abort();
            }
        }
    }
}
