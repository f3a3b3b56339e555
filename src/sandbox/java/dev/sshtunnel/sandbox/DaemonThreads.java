package dev.sshtunnel.sandbox;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/** Named daemon threads: the sandbox's helpers must never keep the JVM alive after Ctrl-C. */
final class DaemonThreads {

    private DaemonThreads() {
    }

    /** Stops a loop's executor and waits up to 5 s for the step under way to finish. */
    static void stop(ExecutorService executor) {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
