package dev.sshtunnel.forwarder.forward;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.AsynchronousChannelGroup;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads of the forwards, shared by all of them in the process.
 * <ul>
 * <li>{@link #GROUP}: the NIO2 group of every socket in the process: the SSH sessions' (MINA runs
 * on it, see {@code SharedGroupIoServiceFactory}) and the forwards' local connections. A fixed
 * group's threads wait for I/O and run the completion handlers themselves; completion handlers
 * never block, so one thread per core is enough (2 on the 2-core machines measured in
 * docs/benchmarks.md).</li>
 * <li>{@link #TIMER}: open and handshake time-outs.</li>
 * </ul>
 * Static and never shut down: every forwarder in the JVM shares them (the sandbox runs many), and
 * their threads are daemons.
 */
public final class ForwardThreads {

    /** Overrides the number of I/O threads (benchmarks compare them; see docs/benchmarks.md). */
    public static final String IO_THREADS_PROPERTY = "sshtunnel.forwarder.ioThreads";

    static final AsynchronousChannelGroup GROUP = newGroup();

    static final ScheduledExecutorService TIMER = timer();

    private ForwardThreads() {
    }

    public static AsynchronousChannelGroup group() {
        return GROUP;
    }

    private static AsynchronousChannelGroup newGroup() {
        int threads = Integer.getInteger(IO_THREADS_PROPERTY, Math.max(2, Runtime.getRuntime().availableProcessors()));
        try {
            return AsynchronousChannelGroup.withFixedThreadPool(threads, daemon("forward-io"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the forwarders' I/O threads", e);
        }
    }

    /**
     * Every channel open arms a 30 s time-out and almost every one is cancelled at once; without
     * remove-on-cancel the cancelled tasks, and the connections they reference, would stay queued
     * for the full 30 s (60,000 of them at 2,000 connections/s).
     */
    private static ScheduledExecutorService timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemon("forward-timer"));
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread thread = new Thread(r, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
