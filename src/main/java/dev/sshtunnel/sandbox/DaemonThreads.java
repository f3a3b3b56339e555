package dev.sshtunnel.sandbox;

import java.util.concurrent.ThreadFactory;

/** Named daemon threads: the sandbox's helpers must never keep the JVM alive after Ctrl-C. */
final class DaemonThreads {

    private DaemonThreads() {
    }

    static ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
