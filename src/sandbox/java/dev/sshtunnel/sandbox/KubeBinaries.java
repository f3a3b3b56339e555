package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where the control plane's binaries are: a directory holding kube-apiserver,
 * kube-controller-manager, kube-scheduler and etcd, as hack/kube-binaries.sh builds them. Looked up
 * in the same cache that script writes to (newest complete directory first).
 */
public final class KubeBinaries {

    public static final List<String> NAMES = List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd");

    private KubeBinaries() {
    }

    /** The cache hack/kube-binaries.sh builds into (same environment variables, same default). */
    public static Path cacheRoot() {
        String explicit = System.getenv("SSHTUNNEL_KUBE_CACHE");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("sshtunnel-operator").resolve("kube-binaries");
    }

    public static boolean complete(Path dir) {
        return NAMES.stream().allMatch(name -> Files.isExecutable(dir.resolve(name)));
    }

    /** The given directory when it is complete; else the newest complete one in the cache. */
    public static Path locate(Path explicit) throws IOException {
        if (explicit != null) {
            if (!complete(explicit)) {
                throw new IOException(explicit + " does not hold all of " + NAMES);
            }
            return explicit;
        }
        Optional<Path> cached = Optional.empty();
        if (Files.isDirectory(cacheRoot())) {
            try (Stream<Path> dirs = Files.list(cacheRoot())) {
                cached = dirs.filter(KubeBinaries::complete).max(Comparator.comparing(KubeBinaries::modified));
            }
        }
        return cached.orElseThrow(() -> new IOException("no Kubernetes control plane binaries in " + cacheRoot()
                + ": build them with hack/kube-binaries.sh (needs Go 1.25+) or pass --kube-binaries DIR"));
    }

    private static long modified(Path dir) {
        try {
            return Files.getLastModifiedTime(dir.resolve("kube-apiserver")).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
