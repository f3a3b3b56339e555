package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One process the sandbox runs (etcd, kube-apiserver, ..., the operator) with its output appended to
 * a log file or passed through to the sandbox's own.
 * It is started under a small shell that ends it when its standard input closes, so it never
 * outlives this JVM — not even when the JVM is killed — and {@link #terminate()} sends it SIGTERM the
 * same way.
 */
final class ChildProcess {

    // `cat` returns when our end of the pipe closes (terminate() or this JVM's death); then SIGTERM, then SIGKILL.
    // (An asynchronous list reads /dev/null unless redirected explicitly, hence fd 3.)
    private static final String WATCHDOG = "exec 3<&0; \"$@\" </dev/null 3<&- & child=$!; "
            + "( cat <&3 >/dev/null; kill -TERM $child 2>/dev/null; sleep 10; kill -KILL $child 2>/dev/null ) & "
            + "exec 3<&-; wait $child";

    private final String name;
    private final List<String> command;
    private final ProcessBuilder.Redirect output;
    private volatile Process process;
    private volatile boolean stopped;
    private volatile List<ProcessHandle> watchdog = List.of();
    private int restarts;

    private ChildProcess(String name, List<String> command, ProcessBuilder.Redirect output) {
        this.name = name;
        this.command = List.copyOf(command);
        this.output = output;
    }

    static ChildProcess start(String name, List<String> command, Path log) throws IOException {
        return start(name, command, ProcessBuilder.Redirect.appendTo(log.toFile()));
    }

    /** With {@link ProcessBuilder.Redirect#INHERIT}: its output interleaved with the sandbox's. */
    static ChildProcess start(String name, List<String> command, ProcessBuilder.Redirect output) throws IOException {
        ChildProcess child = new ChildProcess(name, command, output);
        child.launch();
        return child;
    }

    private void launch() throws IOException {
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", WATCHDOG, name));
        wrapped.addAll(command);
        process = new ProcessBuilder(wrapped).redirectErrorStream(true)
                .redirectOutput(output).start();
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Blocks until the process ends; its exit code. */
    int awaitExit() throws InterruptedException {
        return process.waitFor();
    }

    /**
     * Starts the process again when it ended without {@link #terminate()} — as the kubelet restarts a
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

    /** SIGTERM through the watchdog (its stdin closes); returns at once. */
    void terminate() {
        stopped = true;
        // The watchdog lives on after the component (it sleeps before its SIGKILL): remembered now, while it is
        // still a descendant, so that kill() can end it once the shell above it is gone.
        watchdog = process.descendants().toList();
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already closed
        }
    }

    /** Waits until the deadline for the component to end (the shell around it ends with it). */
    boolean awaitExit(Instant deadline) throws InterruptedException {
        try {
            process.onExit().get(Math.max(0, Duration.between(Instant.now(), deadline).toMillis()), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // still running
        }
        return !process.isAlive();
    }

    /**
     * SIGKILL to the component if it still runs and to what is left of its watchdog, then waits (bounded) for the
     * shell this JVM started. Only that one is waited for: the others are not this JVM's children, and once killed
     * they may stay zombies of an init that does not reap, which hold no port and run nothing.
     */
    void kill() throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>(watchdog);
        all.addAll(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(2, TimeUnit.SECONDS);
    }
}
