package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Stands in for cluster DNS: the forwarder pods run in the sandbox's JVM, which resolves names from a hosts file
 * (the JDK's {@code jdk.net.hosts.file}) holding the machine's /etc/hosts plus {@code <service>.<namespace>.svc[.cluster.local]}
 * of every Service {@link ServiceProxies} relays, at the address it relays them on. So a Remote forward's
 * {@code target.service} reaches the Service as it would in a cluster. The JDK reads the property once, at its first
 * name lookup: {@link #install()} runs first thing in main.
 */
final class ClusterNames {

    private static final String PROPERTY = "jdk.net.hosts.file";
    static final String CLUSTER_DOMAIN = "cluster.local";
    private static final Path SYSTEM_HOSTS = Path.of("/etc/hosts");

    private ClusterNames() {
    }

    /** Points this JVM's name lookups at a new hosts file holding the machine's entries; removed when the JVM exits. */
    static void install() {
        try {
            Path file = Files.createTempFile("sshtunnel-sandbox-hosts-", "");
            file.toFile().deleteOnExit();
            Files.writeString(file, systemHosts());
            System.setProperty(PROPERTY, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sandbox's hosts file", e);
        }
    }

    /** The hosts file, when {@link #install()} ran in this JVM (not in a test that starts a Sandbox in-process). */
    static Optional<Path> file() {
        return Optional.ofNullable(System.getProperty(PROPERTY)).map(Path::of);
    }

    /** Replaces the Services' names: {@code names} maps {@code <service>.<namespace>} to an address. */
    static void publish(Map<String, String> names) {
        Optional<Path> file = file();
        if (file.isEmpty()) {
            return;
        }
        StringBuilder text = new StringBuilder(systemHosts());
        text.append("\n# Services, as cluster DNS would answer (sandbox ServiceProxies)\n");
        new TreeMap<>(names).forEach((name, address) ->
                text.append(address).append(' ').append(name).append(".svc ").append(name).append(".svc.").append(CLUSTER_DOMAIN).append('\n'));
        try {
            Path next = file.get().resolveSibling(file.get().getFileName() + ".next");
            Files.writeString(next, text);
            // The JDK rereads the file at each lookup: it sees the old or the new one, never half of one.
            Files.move(next, file.get(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file.get(), e);
        }
    }

    private static String systemHosts() {
        try {
            return Files.isReadable(SYSTEM_HOSTS) ? Files.readString(SYSTEM_HOSTS) : "127.0.0.1 localhost\n::1 localhost\n";
        } catch (IOException e) {
            return "127.0.0.1 localhost\n::1 localhost\n";
        }
    }
}
