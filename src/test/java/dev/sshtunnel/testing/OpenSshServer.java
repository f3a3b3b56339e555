package dev.sshtunnel.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real OpenSSH sshd on a loopback port, configured in a temp dir (its own host key,
 * authorized_keys, user CA), for the current user. Stop, restart on the same port, freeze (SIGSTOP).
 * {@link #startIn} runs it inside a network namespace instead, listening on the namespace's address.
 */
public final class OpenSshServer implements AutoCloseable {

    public static final String SSHD = "/usr/sbin/sshd";

    private final Path dir;
    private final int port;
    private final Path config;
    private final Path hostKey;
    private final String address;
    private final List<String> launcher;
    private Process process;

    private OpenSshServer(Path dir, int port, Path config, Path hostKey) {
        this(dir, port, config, hostKey, "127.0.0.1", List.of());
    }

    private OpenSshServer(Path dir, int port, Path config, Path hostKey, String address, List<String> launcher) {
        this.dir = dir;
        this.port = port;
        this.config = config;
        this.hostKey = hostKey;
        this.address = address;
        this.launcher = launcher;
    }

    /** Options beyond the defaults, as sshd_config lines (e.g. "PermitOpen 127.0.0.1:9"). */
    public static OpenSshServer start(Path dir, List<String> authorizedKeys, String... extraConfig) {
        return startOnPort(dir, Ports.free(), authorizedKeys, extraConfig);
    }

    /** A server with its own, new host key on a given port (e.g. one that replaces another). */
    public static OpenSshServer startOnPort(Path dir, int port, List<String> authorizedKeys, String... extraConfig) {
        return start(dir, List.of(), "127.0.0.1", port, authorizedKeys, extraConfig);
    }

    /**
     * A server started through a launcher prefix (e.g. {@code ip netns exec NS}) that listens on
     * ADDRESS:PORT: the address must be reachable from the test JVM, which waits for it to listen.
     */
    public static OpenSshServer startIn(List<String> launcher, String address, int port, Path dir, List<String> authorizedKeys,
            String... extraConfig) {
        return start(dir, launcher, address, port, authorizedKeys, extraConfig);
    }

    private static OpenSshServer start(Path dir, List<String> launcher, String address, int port, List<String> authorizedKeys,
            String... extraConfig) {
        try {
            Files.createDirectories(dir);
            Files.createDirectories(Path.of("/run/sshd"));
            Path hostKey = Keys.generate(dir, "ssh_host_ed25519_key", "ed25519", false, null);
            Path authorized = dir.resolve("authorized_keys");
            Files.write(authorized, authorizedKeys);
            // sshd takes the first value it reads for an option, so the caller's options go first.
            List<String> lines = new ArrayList<>(List.of(extraConfig));
            lines.addAll(List.of(
                    "Port " + port,
                    "ListenAddress " + address,
                    "HostKey " + hostKey,
                    "PidFile " + dir.resolve("sshd.pid"),
                    "AuthorizedKeysFile " + authorized,
                    "StrictModes no",
                    "UsePAM no",
                    "PermitRootLogin yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PubkeyAuthentication yes",
                    "AllowTcpForwarding yes",
                    "LogLevel VERBOSE",
                    "MaxStartups 100",
                    "MaxSessions 100"));
            Path config = dir.resolve("sshd_config");
            Files.write(config, lines);
            OpenSshServer server = new OpenSshServer(dir, port, config, hostKey, address, List.copyOf(launcher));
            server.launch();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts sshd again from a directory an earlier instance configured (its config may have been edited). */
    public static OpenSshServer reuse(Path dir, int port) {
        OpenSshServer server = new OpenSshServer(dir, port, dir.resolve("sshd_config"), dir.resolve("ssh_host_ed25519_key"));
        try {
            server.launch();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return server;
    }

    private void launch() throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(SSHD, "-D", "-e", "-f", config.toString()));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("sshd.log").toFile())
                .start();
        if (launcher.isEmpty()) {
            Ports.awaitListening(address, port, Duration.ofSeconds(10));
        } else {
            // Started in a network namespace whose address this process may not reach: sshd says when it listens.
            awaitLogged("Server listening on " + address + " port " + port, Duration.ofSeconds(10));
        }
    }

    private void awaitLogged(String line, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.readString(dir.resolve("sshd.log")).contains(line)) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IOException("sshd did not log \"" + line + "\": " + Files.readString(dir.resolve("sshd.log")));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    public int port() {
        return port;
    }

    public String user() {
        return System.getProperty("user.name");
    }

    /** The known_hosts line for this server: [127.0.0.1]:port ssh-ed25519 AAAA... */
    public String knownHostsLine() {
        return "[" + address + "]:" + port + " " + publicHostKey();
    }

    public String publicHostKey() {
        String line = Keys.publicKey(hostKey);
        String[] parts = line.split("\\s+");
        return parts[0] + " " + parts[1];
    }

    public String hostKeyFingerprint() {
        return Keys.fingerprint(Path.of(hostKey + ".pub"));
    }

    public Path log() {
        return dir.resolve("sshd.log");
    }

    public long pid() {
        return process.pid();
    }

    /** Kills sshd and every session process it forked (they would keep remote ports bound). */
    public void stop() {
        if (process == null) {
            return;
        }
        Processes.killTree(process);
        process = null;
    }

    public void restart() {
        stop();
        try {
            launch();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A new host key, as an administrator rotates one: the key file is replaced and sshd re-executes
     * on SIGHUP. Sessions already open keep running (they are other processes) with the old key.
     */
    public void rotateHostKey() {
        try {
            Files.delete(hostKey);
            Files.deleteIfExists(Path.of(hostKey + ".pub"));
            Keys.generate(dir, hostKey.getFileName().toString(), "ed25519", false, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Processes.signal(process.pid(), "HUP");
        // sshd closes its listener while it re-executes; wait until the new one accepts.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (Ports.accepts("127.0.0.1", port)) {
                return;
            }
        }
        throw new IllegalStateException("sshd did not listen again after SIGHUP; see " + log());
    }

    /** SIGSTOP on the listener and its session processes: the TCP connection stays, nothing answers. */
    public void freeze() {
        signalTree("STOP");
    }

    public void thaw() {
        signalTree("CONT");
    }

    private void signalTree(String signal) {
        Processes.signal(process.pid(), signal);
        process.descendants().forEach(child -> Processes.signal(child.pid(), signal));
    }

    @Override
    public void close() {
        if (process != null) {
            try {
                thaw();
            } catch (RuntimeException ignored) {
                // nothing to thaw
            }
            stop();
        }
    }
}
