package dev.sshtunnel.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's tinyproxy on loopback: a real HTTP CONNECT proxy, with Basic authentication when given a user, and
 * CONNECT allowed only to {@code connectPorts} (anything else gets its 403).
 */
public final class TinyProxy implements AutoCloseable {

    public static final String BINARY = "/usr/bin/tinyproxy";

    private final Process process;
    private final int port;
    private final Path log;

    private TinyProxy(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** {@code user}/{@code password} null: no authentication. */
    public static TinyProxy start(Path dir, List<Integer> connectPorts, String user, String password) {
        try {
            Files.createDirectories(dir);
            int port = Ports.free();
            Path log = dir.resolve("tinyproxy.log");
            List<String> lines = new ArrayList<>(List.of(
                    "Port " + port,
                    "Listen 127.0.0.1",
                    "Timeout 30",
                    "MaxClients 20",
                    "Allow 127.0.0.1",
                    "LogFile \"" + log + "\"",
                    "LogLevel Connect",
                    "PidFile \"" + dir.resolve("tinyproxy.pid") + "\""));
            connectPorts.forEach(p -> lines.add("ConnectPort " + p));
            if (user != null) {
                UsedSecrets.text(password);
                lines.add("BasicAuth " + user + " " + password);
            }
            Path config = dir.resolve("tinyproxy.conf");
            Files.write(config, lines, StandardCharsets.UTF_8);
            Process process = new ProcessBuilder(BINARY, "-d", "-c", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("tinyproxy.out").toFile()).start();
            Ports.awaitListening("127.0.0.1", port, Duration.ofSeconds(10));
            return new TinyProxy(process, port, log);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    /** What tinyproxy logged: its CONNECT lines show where it was asked to go. */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        Processes.killTree(process);
    }
}
