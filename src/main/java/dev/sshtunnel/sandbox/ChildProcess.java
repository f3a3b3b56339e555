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
    private final Process process;

    private ChildProcess(String name, Process process) {
        this.name = name;
        this.process = process;
    }

    static ChildProcess start(String name, List<String> command, Path log) throws IOException {
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", WATCHDOG, name));
        wrapped.addAll(command);
        Process process = new ProcessBuilder(wrapped).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new ChildProcess(name, process);
    }

    boolean alive() {
        return process.isAlive();
    }

    String name() {
        return name;
    }

    /** SIGTERM, then waits up to {@code seconds} for the process to end. */
    void stop(int seconds) {
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
