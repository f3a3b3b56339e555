package dev.sshtunnel.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged program (`java -jar quarkus-run.jar ...`) run as users and pods run it, for the
 * integration tests: each process's output goes to a log file, and {@link #close()} stops every
 * process started here (SIGTERM, then SIGKILL after 30 s).
 */
public final class PackagedJar implements AutoCloseable {

    public static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    /** Logs kept after the test, where SecretLeakScanIT reads them. */
    public static final Path IT_LOGS = Path.of("target/it-logs");

    private final List<Process> processes = new ArrayList<>();

    /** java JVM_OPTIONS -jar quarkus-run.jar ARGS, stdout and stderr into the log. */
    public Process start(Path log, List<String> jvmOptions, String... args) throws IOException {
        return start(log, java.util.Map.of(), jvmOptions, args);
    }

    /** Same, with extra environment variables (e.g. HOSTNAME, which a pod has and leader election uses). */
    public Process start(Path log, java.util.Map<String, String> env, List<String> jvmOptions, String... args) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    /**
     * The sandbox as a user starts it, `bash hack/sandbox.sh ARGS` (which execs the sandbox's JVM, so
     * {@link #close()}'s SIGTERM reaches it), told never to build: `package` has built both jars.
     */
    public Process startSandbox(Path log, java.util.Map<String, String> env, String... args) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        List<String> command = new ArrayList<>(List.of("bash", "hack/sandbox.sh"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        builder.environment().put("SSHTUNNEL_SANDBOX_BUILD", "never");
        builder.environment().put("SSHTUNNEL_OPERATOR_JAR", JAR.toAbsolutePath().toString());
        builder.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    /** What a log holds so far ("" before it exists). */
    public static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process process : processes) {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }
}
