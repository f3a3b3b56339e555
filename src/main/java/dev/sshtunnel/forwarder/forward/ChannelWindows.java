package dev.sshtunnel.forwarder.forward;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.sshd.common.channel.AbstractChannel;
import org.apache.sshd.common.channel.LocalWindow;

/**
 * How much each channel lets the server send before the bytes are written to the local socket: the
 * SSH window we grant, which is also all a channel can make this process hold for a slow reader
 * (bytes are released back to the server only once they are in the socket, {@link ChannelPump}).
 *
 * <p>A fixed window has to choose between memory and throughput: MINA's (and OpenSSH's) 2 MiB per
 * channel lets about 100 readers that stop reading fill a 256 MiB pod, a small one caps a single
 * transfer at window / round-trip time. So each channel starts at {@link #INITIAL} and doubles, up
 * to {@link #MAX}, while its reader keeps up and the server is held back by the window (a bulk
 * transfer); the growth of all channels together comes from one process-wide {@link #BUDGET}. A
 * channel that cannot grow keeps flowing at its current window (backpressure, not buffering); when
 * growth was refused, channels give growth back as they write, so the budget goes to the channels
 * that move data rather than to those that stopped. What the process can be made to hold for
 * channels is thus at most channels × {@link #INITIAL} + {@link #BUDGET} (docs/security.md).
 */
final class ChannelWindows {

    static final long INITIAL = 64 * 1024;
    /** OpenSSH's channel window (CHAN_TCP_WINDOW_DEFAULT); also what the SSH client announces as maximum. */
    static final long MAX = 2 * 1024 * 1024;
    /** A quarter of the heap (51 MiB with the pod's 256 MiB limit flags), at least 16 MiB. */
    static final Budget BUDGET = new Budget(Math.max(16L * 1024 * 1024, Runtime.getRuntime().maxMemory() / 4));

    private ChannelWindows() {
    }

    /**
     * Before the channel's open (or open confirmation) is sent: MINA announces its whole window, so
     * the part above {@link #INITIAL} is marked used; releases then grow it back up to {@link #MAX}.
     */
    static void startSmall(AbstractChannel channel) throws IOException {
        LocalWindow window = channel.getLocalWindow();
        long above = window.getSize() - INITIAL;
        if (above > 0) {
            window.consume(above);
        }
    }

    /** Window growth shared by all channels of the process. */
    static final class Budget {
        private final long capacity;
        private final AtomicLong used = new AtomicLong();
        private volatile boolean contended;

        Budget(long capacity) {
            this.capacity = capacity;
        }

        boolean take(long bytes) {
            while (true) {
                long now = used.get();
                if (now + bytes > capacity) {
                    contended = true;
                    return false;
                }
                if (used.compareAndSet(now, now + bytes)) {
                    return true;
                }
            }
        }

        void give(long bytes) {
            if (used.addAndGet(-bytes) < capacity / 2) {
                contended = false;
            }
        }

        boolean contended() {
            return contended;
        }
    }

    /** One channel's window; called by the one socket write in flight and by the channel's end. */
    static final class Window {
        private final Budget budget;
        private long granted = INITIAL;
        private long sinceGrowth;

        Window(Budget budget) {
            this.budget = budget;
        }

        /**
         * {@code written} bytes are in the socket, {@code queued} still wait for it: how many to release
         * to the server. A channel whose reader keeps up (less than half the window waits for the
         * socket) and that has moved a whole window since it last grew doubles its window, as TCP's
         * slow start does once per round trip: a bulk transfer over a long path reaches the window
         * its path needs, an interactive channel grows only as its total traffic does, and a reader
         * that stops does not grow at all.
         */
        synchronized long afterWrite(long written, long queued) {
            sinceGrowth += written;
            if (budget.contended() && granted > INITIAL) {
                long back = Math.min(written, granted - INITIAL);
                granted -= back;
                budget.give(back);
                return written - back;
            }
            if (queued < granted / 2 && sinceGrowth >= granted && granted < MAX) {
                long more = Math.min(granted, MAX - granted);
                if (budget.take(more)) {
                    granted += more;
                    sinceGrowth = 0;
                    return written + more;
                }
            }
            return written;
        }

        /** The channel has ended: its growth goes back to the budget. */
        synchronized void close() {
            budget.give(granted - INITIAL);
            granted = INITIAL;
        }
    }
}
