package dev.sshtunnel.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sshtunnel.config.Sha256;

/**
 * An {@link EchoServer} and a {@link DigestSink} on the loopback of a network namespace, in a child
 * JVM started there ({@code ip netns exec NS java ... NamespaceTargets}): a JVM cannot open sockets
 * in another namespace, and the targets must sit behind the sshd inside it so that a fault on the
 * veth hits only the SSH connection. The child prints its two ports and lives until its stdin closes.
 */
public final class NamespaceTargets implements AutoCloseable {

    private final Process process;
    private final int echoPort;
    private final int digestPort;

    public NamespaceTargets(NetworkNamespace namespace) {
        try {
            List<String> command = new ArrayList<>(namespace.exec());
            // The test classes, and the main classes for Sha256 (DigestSink); nothing else is needed.
            String classPath = location(NamespaceTargets.class) + java.io.File.pathSeparator + location(Sha256.class);
            command.addAll(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx64m", "-XX:+UseSerialGC",
                    "-cp", classPath, NamespaceTargets.class.getName()));
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
            String line = out.readLine();
            if (line == null || !line.startsWith("PORTS ")) {
                process.destroyForcibly();
                throw new IllegalStateException("targets in " + namespace.name() + " did not start: " + line);
            }
            String[] ports = line.split(" ");
            echoPort = Integer.parseInt(ports[1]);
            digestPort = Integer.parseInt(ports[2]);
        } catch (IOException | java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String location(Class<?> type) throws java.net.URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** Port of the echo server on the namespace's 127.0.0.1. */
    public int echoPort() {
        return echoPort;
    }

    /** Port of the digest sink on the namespace's 127.0.0.1. */
    public int digestPort() {
        return digestPort;
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs inside the namespace. */
    public static void main(String[] args) throws Exception {
        try (EchoServer echo = new EchoServer(EchoServer.Mode.ECHO); DigestSink digest = new DigestSink()) {
            System.out.println("PORTS " + echo.port() + " " + digest.port());
            System.out.flush();
            System.in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        System.exit(0);
    }
}
