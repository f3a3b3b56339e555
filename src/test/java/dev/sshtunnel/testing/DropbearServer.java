package dev.sshtunnel.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Dropbear server on a loopback port. Dropbear reads authorized_keys only from the user's
 * home, so the fixture logs in as a dedicated test user (created once, home under /tmp) instead of
 * touching the real user's ~/.ssh; that needs root, as in CI.
 */
public final class DropbearServer implements AutoCloseable {

    public static final String USER = "sshtunnel-dbtest";
    private static final Path HOME = Path.of("/tmp/sshtunnel-dbtest-home");

    private final Process process;
    private final int port;
    private final String publicHostKey;

    private DropbearServer(Process process, int port, String publicHostKey) {
        this.process = process;
        this.port = port;
        this.publicHostKey = publicHostKey;
    }

    /** False where the test user cannot be created (not root); tests then skip with that reason. */
    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/sbin/dropbear")) && "root".equals(System.getProperty("user.name"));
    }

    public static DropbearServer start(Path dir, List<String> authorizedKeys) {
        try {
            ensureUser();
            Path ssh = HOME.resolve(".ssh");
            Files.createDirectories(ssh);
            Files.write(ssh.resolve("authorized_keys"), authorizedKeys);
            Processes.run(List.of("chown", "-R", USER, HOME.toString()));
            Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(ssh.resolve("authorized_keys"), PosixFilePermissions.fromString("rw-------"));

            Files.createDirectories(dir);
            Path hostKey = dir.resolve("dropbear_ed25519_host_key");
            Processes.run(List.of("dropbearkey", "-t", "ed25519", "-f", hostKey.toString()));
            String publicKey = Processes.run(List.of("dropbearkey", "-y", "-f", hostKey.toString())).lines()
                    .filter(l -> l.startsWith("ssh-")).findFirst().orElseThrow();
            String[] parts = publicKey.split("\\s+");
            int port = Ports.free();
            Process process = new ProcessBuilder("/usr/sbin/dropbear", "-F", "-E", "-s", "-p", "127.0.0.1:" + port,
                    "-r", hostKey.toString(), "-P", dir.resolve("dropbear.pid").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("dropbear.log").toFile()).start();
            Ports.awaitListening("127.0.0.1", port, Duration.ofSeconds(10));
            return new DropbearServer(process, port, parts[0] + " " + parts[1]);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The test user, with a password, for password authentication against OpenSSH (root only). */
    public static String userWithPassword(String password) {
        UsedSecrets.text(password);
        ensureUser();
        try {
            Process chpasswd = new ProcessBuilder("chpasswd").redirectErrorStream(true).start();
            chpasswd.getOutputStream().write((USER + ":" + password + "\n").getBytes());
            chpasswd.getOutputStream().close();
            if (!chpasswd.waitFor(10, TimeUnit.SECONDS) || chpasswd.exitValue() != 0) {
                throw new IllegalStateException("chpasswd failed: " + new String(chpasswd.getInputStream().readAllBytes()));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return USER;
    }

    static void ensureUser() {
        try {
            Processes.run(List.of("id", USER));
        } catch (IllegalStateException missing) {
            // '*' (not '!'): Dropbear refuses accounts whose password field marks them locked.
            Processes.run(List.of("useradd", "-M", "-d", HOME.toString(), "-s", "/bin/sh", "-p", "*", USER));
        }
    }

    public int port() {
        return port;
    }

    public String knownHostsLine() {
        return "[127.0.0.1]:" + port + " " + publicHostKey;
    }

    @Override
    public void close() {
        Processes.killTree(process);
    }
}
