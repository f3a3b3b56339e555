package dev.sshtunnel.forwarder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import dev.sshtunnel.config.ConfigException;
import dev.sshtunnel.config.Sha256;
import dev.sshtunnel.config.TunnelConfig;
import dev.sshtunnel.config.TunnelConfigLoader;

/**
 * Follows the tunnel document and the secret files. The kubelet replaces ConfigMap and Secret
 * volume contents by swapping a symlink (`..data`), which file watchers see inconsistently, so this
 * polls: once per interval it digests the document and every secret file, and when the digest moved
 * it loads the whole config again and hands it on. A document that does not load is reported and
 * the running config stays; the next change is tried again (the Secret volume may simply not have
 * caught up with the ConfigMap yet).
 */
final class TunnelDocumentWatch implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TunnelDocumentWatch.class);
    /** Secret values are at most 1 MiB in Kubernetes; anything larger in the directory is not ours to read. */
    private static final long MAX_FILE_BYTES = 1 << 20;

    private final Path document;
    private final Path secretsDir;
    private final TunnelConfigLoader loader;
    private final Consumer<TunnelConfig> apply;
    private final Consumer<String> rejected;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tunnel-document-watch");
        t.setDaemon(true);
        return t;
    });
    private byte[] lastDigest;

    TunnelDocumentWatch(Path document, Path secretsDir, TunnelConfigLoader loader, Duration interval, Consumer<TunnelConfig> apply,
            Consumer<String> rejected) {
        this.document = document;
        this.secretsDir = secretsDir;
        this.loader = loader;
        this.apply = apply;
        this.rejected = rejected;
        lastDigest = digest();
        timer.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void check() {
        try {
            byte[] now = digest();
            if (now == null || Arrays.equals(now, lastDigest)) {
                return;
            }
            lastDigest = now;
            TunnelConfig next;
            try {
                next = loader.load(document);
            } catch (ConfigException e) {
                rejected.accept(e.getMessage());
                return;
            }
            apply.accept(next);
        } catch (RuntimeException e) {
            LOG.errorf(e, "applying the changed tunnel document failed");
        }
    }

    /** SHA-256 over the document and the secret files (names and content); null when the document cannot be read. */
    private byte[] digest() {
        MessageDigest digest = Sha256.newDigest();
        try {
            digest.update(Files.readAllBytes(document));
        } catch (IOException e) {
            return null; // mid-swap or gone: look again next time
        }
        for (Path file : secretFiles()) {
            try {
                if (Files.size(file) <= MAX_FILE_BYTES) {
                    digest.update(secretsDir.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
                    digest.update((byte) 0);
                    digest.update(Files.readAllBytes(file));
                }
            } catch (IOException e) {
                digest.update((byte) 1); // unreadable now; the loader says why if it matters
            }
        }
        return digest.digest();
    }

    /** DIR/NAME/KEY, skipping the kubelet's `..` entries; symlinks are followed. Sorted, so the digest is stable. */
    private List<Path> secretFiles() {
        List<Path> files = new ArrayList<>();
        if (secretsDir == null || !Files.isDirectory(secretsDir)) {
            return files;
        }
        try (DirectoryStream<Path> secrets = Files.newDirectoryStream(secretsDir)) {
            for (Path secret : secrets) {
                if (secret.getFileName().toString().startsWith("..") || !Files.isDirectory(secret)) {
                    continue;
                }
                try (DirectoryStream<Path> keys = Files.newDirectoryStream(secret)) {
                    for (Path key : keys) {
                        if (!key.getFileName().toString().startsWith("..") && Files.isRegularFile(key)) {
                            files.add(key);
                        }
                    }
                }
            }
        } catch (IOException e) {
            LOG.debugf("listing %s: %s", secretsDir, e.getMessage());
        }
        files.sort(null);
        return files;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
