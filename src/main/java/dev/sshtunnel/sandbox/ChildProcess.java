package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One control-plane process (etcd, kube-apiserver, ...) with its output appended to a log file.
 * It is started under a small shell that ends it when its standard input closes, so it never
 * outlives this JVM — not even when the JVM is killed — and {@link #stop()} sends it SIGTERM the
 * same way.
 */
final class ChildProcess {

    // `cat` returns when our end of the pipe closes (stop() or this JVM's death); then SIGTERM, then SIGKILL.
    // (An asynchronous list reads /dev/null unless redirected explicitly, hence fd 3.)
    private static final String WATCHDOG = "exec 3<&0; \"$@\" </dev/null 3<&- & child=$!; "
            + "( cat <&3 >/dev/null; kill -TERM $child 2>/dev/null; sleep 10; kill -KILL $child 2>/dev/null ) & "
            + "exec 3<&-; wait $child";

    private final String name;
    private final List<String> command;
    private final Path log;
    private volatile Process process;
    private volatile boolean stopped;
    private int restarts;

    private ChildProcess(String name, List<String> command, Path log) {
        this.name = name;
        this.command = List.copyOf(command);
        this.log = log;
    }

    static ChildProcess start(String name, List<String> command, Path log) throws IOException {
        ChildProcess child = new ChildProcess(name, command, log);
        child.launch();
        return child;
    }

    private void launch() throws IOException {
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", WATCHDOG, name));
        wrapped.addAll(command);
        process = new ProcessBuilder(wrapped).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    boolean alive() {
        return process.isAlive();
    }

    /**
     * Starts the process again when it ended without {@link #stop(int)} — as the kubelet restarts a
     * static control-plane pod. Returns the exit code it ended with, or -1 when it is running.
     */
    synchronized int restartIfExited() throws IOException {
        if (stopped || process.isAlive()) {
            return -1;
        }
        int code = process.exitValue();
        restarts++;
        launch();
        return code;
    }

    int restarts() {
        return restarts;
    }

    String name() {
        return name;
    }

    /** SIGTERM, then waits up to {@code seconds} for the process to end. */
    void stop(int seconds) {
        stopped = true;
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already closed
        }
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
