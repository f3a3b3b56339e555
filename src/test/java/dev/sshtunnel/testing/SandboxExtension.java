package dev.sshtunnel.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What every sandbox IT sets up and tears down: a work directory, the packaged program's processes (the sandbox and
 * any operators), the SSH key, sshd and echo servers a tunnel goes through, and the logs kept under target/it-logs/
 * as {@code <TestClass>-<part>.log} (the cluster's own in {@code <TestClass>-cluster/}).
 *
 * <p>Registered on an instance field ({@code @RegisterExtension final SandboxExtension sandboxes = new SandboxExtension();})
 * each test gets its own; on a static field the whole class shares one, torn down after its last test. Teardown, even
 * when the test failed: every process stopped (SIGTERM, then SIGKILL), the cluster's logs kept, servers closed, the
 * directory removed. A test's own {@code @AfterEach} runs before it, while the sandbox still runs.
 *
 * <p>The sandbox itself is started through {@link SandboxProcess#start}, the one place that knows how.
 */
public final class SandboxExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    private boolean perClass;
    private String name;
    private Path dir;
    private PackagedJar jar;
    private final Deque<AutoCloseable> servers = new ArrayDeque<>();

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        perClass = true;
        open(context);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        if (!perClass) {
            open(context);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (!perClass) {
            close();
        }
    }

    private void open(ExtensionContext context) throws IOException {
        // Per test, the method too: a later test of the class must not overwrite the logs of one that failed.
        name = context.getRequiredTestClass().getSimpleName()
                + (perClass ? "" : context.getTestMethod().map(m -> "-" + m.getName()).orElse(""));
        dir = Files.createTempDirectory(name + "-");
        jar = new PackagedJar();
    }

    /** The work directory: the sandbox's under sandbox/, sshd's under sshd/, keys at the top. */
    public Path dir() {
        return dir;
    }

    /** For processes started beside the sandbox ({@link SandboxProcess#startOperator}); stopped at teardown. */
    public PackagedJar jar() {
        return jar;
    }

    /** target/it-logs/{@code <TestClass>-<part>.log}. */
    public Path log(String part) {
        return PackagedJar.IT_LOGS.resolve(name + "-" + part + ".log");
    }

    /** The sandbox, ready, its log {@link #log}(part); {@code extra}: its options (--no-operator, --no-pods). */
    public SandboxProcess start(String part, String... extra) throws IOException {
        return start(part, Map.of(), extra);
    }

    /** The same with environment variables for the sandbox and its operator. */
    public SandboxProcess start(String part, Map<String, String> env, String... extra) throws IOException {
        return SandboxProcess.start(jar, dir, log(part).getFileName().toString(), env, extra);
    }

    /** A new ed25519 client key {@code id_ed25519} in {@link #dir}, without passphrase. */
    public Path key() {
        return key(null);
    }

    public Path key(String passphrase) {
        return Keys.generate(dir, "id_ed25519", "ed25519", false, passphrase);
    }

    /** An sshd in {@link #dir}/sshd accepting {@code key}; closed at teardown. */
    public OpenSshServer sshd(Path key) {
        return sshd("sshd", key);
    }

    /** An sshd in {@link #dir}/{@code name} accepting {@code key}, with extra sshd_config lines; closed at teardown. */
    public OpenSshServer sshd(String name, Path key, String... extraConfig) {
        return closeAtTeardown(OpenSshServer.start(dir.resolve(name), List.of(Keys.publicKey(key)), extraConfig));
    }

    /** An echo server on loopback; closed at teardown. */
    public EchoServer echo() throws IOException {
        return echo(EchoServer.Mode.ECHO);
    }

    public EchoServer echo(EchoServer.Mode mode) throws IOException {
        return closeAtTeardown(new EchoServer(mode));
    }

    private <T extends AutoCloseable> T closeAtTeardown(T server) {
        servers.push(server);
        return server;
    }

    private void close() throws Exception {
        Exception failure = null;
        try {
            jar.close();
        } catch (Exception e) {
            failure = e;
        }
        try {
            SandboxProcess.keepClusterLogs(dir, name);
        } catch (IOException e) {
            failure = add(failure, e);
        }
        while (!servers.isEmpty()) {
            try {
                servers.pop().close();
            } catch (Exception e) {
                failure = add(failure, e);
            }
        }
        delete(dir);
        if (failure != null) {
            throw failure;
        }
    }

    private static Exception add(Exception first, Exception next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    /** Best effort: what is left in /tmp says nothing about the product, and must not fail the test. */
    private static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("SandboxExtension: could not remove " + dir + ": " + e);
        }
    }
}
