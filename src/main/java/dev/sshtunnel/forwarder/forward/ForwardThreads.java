package dev.sshtunnel.forwarder.forward;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.AsynchronousChannelGroup;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads of one forwarder's forwards, owned by its {@code ForwarderProcess} and closed with it
 * (the sandbox runs many forwarders in one JVM: each stops its own).
 * <ul>
 * <li>{@link #group()}: the NIO2 group of every socket of the forwarder: its SSH sessions' (MINA runs
 * on it, see {@code SharedGroupIoServiceFactory}) and the forwards' local connections. A fixed
 * group's threads wait for I/O and run the completion handlers themselves; completion handlers
 * never block, so one thread per core is enough (2 on the 2-core machines measured in
 * docs/benchmarks.md).</li>
 * <li>{@link #timer()}: open and handshake time-outs, and the sweep of {@link #deadlines()}.</li>
 * </ul>
 * Their threads are daemons.
 */
public final class ForwardThreads implements AutoCloseable {

    /** Overrides the number of I/O threads (benchmarks compare them; see docs/benchmarks.md). */
    public static final String IO_THREADS_PROPERTY = "sshtunnel.forwarder.ioThreads";

    private final AsynchronousChannelGroup group = newGroup();
    private final ScheduledExecutorService timer = newTimer();
    private final ChannelDeadlines deadlines = new ChannelDeadlines(timer);
    /**
     * Name lookups of targets judged by the target policy: InetAddress blocks, and a slow resolver must not hold
     * the I/O threads (which every forward shares). Threads come and go with the lookups.
     */
    private final ExecutorService resolver = newResolver();

    public AsynchronousChannelGroup group() {
        return group;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    /** Where blocking name lookups run (a Remote forward's target, a SOCKS destination's name). */
    Executor resolver() {
        return resolver;
    }

    /** The open channels of the forwarder, closed when they stop moving. */
    ChannelDeadlines deadlines() {
        return deadlines;
    }

    /** Last, after the sessions and forwards: closes whatever socket is still open on the group. */
    @Override
    public void close() {
        timer.shutdownNow();
        resolver.shutdownNow();
        try {
            group.shutdownNow();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop the forwarders' I/O threads", e);
        }
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
    private static ScheduledExecutorService newTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemon("forward-timer"));
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** At most RESOLVER_THREADS lookups at once; the rest wait in the queue (bounded by each forward's maxConnections). */
    private static ExecutorService newResolver() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(RESOLVER_THREADS, RESOLVER_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemon("forward-resolve"));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private static final int RESOLVER_THREADS = 4;

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread thread = new Thread(r, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
