package dev.sshtunnel.forwarder.forward;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

/**
 * The log lines of one forward's failed channels, bounded per episode: the first failure is logged
 * as it happens, the ones after it are only counted, and at the end of each {@link #WINDOW} one line
 * says how many more failed and the last of them. An episode ends with a window without failures;
 * closing the forward says what is counted at once. So a flood (10,000 refused SOCKS CONNECTs) is
 * one line plus one per window, every failure is in a count, and status counts each one anyway.
 */
public final class ChannelFailureLog {

    private static final Logger LOG = Logger.getLogger(ChannelFailureLog.class);
    /** How long failures after the first of an episode are only counted before a line sums them up. */
    public static final Duration WINDOW = Duration.ofSeconds(10);

    private final String forward;
    private final ScheduledExecutorService timer;
    private final Object lock = new Object();
    /** A line has been written and its window is not over: failures are counted, not logged. */
    private boolean inEpisode;
    private boolean closed;
    private long counted;
    private String latest;
    private long windowStartNanos;

    ChannelFailureLog(String forward, ScheduledExecutorService timer) {
        this.forward = forward;
        this.timer = timer;
    }

    /** A channel failed with {@code error} (its lastError text). */
    void failed(String error) {
        synchronized (lock) {
            if (closed) {
                // In flight when the forward closed (stopping, or removed by a live change): status counts it.
                LOG.debugf("forward %s: channel failed after the forward closed: %s", forward, error);
                return;
            }
            if (inEpisode) {
                counted++;
                latest = error;
                return;
            }
            inEpisode = true;
            windowStartNanos = System.nanoTime();
        }
        LOG.warnf("forward %s: channel failed: %s", forward, error);
        scheduleEndOfWindow();
    }

    private void scheduleEndOfWindow() {
        try {
            timer.schedule(() -> sumUp(false), WINDOW.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            sumUp(true);
        }
    }

    /** The forward is closed: what is counted is logged now; failures still in flight go to debug. */
    void close() {
        synchronized (lock) {
            closed = true;
        }
        sumUp(true);
    }

    /** Logs what the window counted; the episode goes on while failures keep coming, unless it ends here. */
    private void sumUp(boolean endEpisode) {
        long more;
        String last;
        long seconds;
        boolean goesOn;
        synchronized (lock) {
            more = counted;
            last = latest;
            seconds = Math.max(1, Math.round((System.nanoTime() - windowStartNanos) / 1e9));
            counted = 0;
            latest = null;
            windowStartNanos = System.nanoTime();
            goesOn = more > 0 && !endEpisode;
            inEpisode = goesOn;
        }
        if (more > 0) {
            LOG.warnf("forward %s: %d more channel%s failed in the last %d s, the last: %s", forward, more,
                    more == 1 ? "" : "s", seconds, last);
        }
        if (goesOn) {
            scheduleEndOfWindow();
        }
    }
}
