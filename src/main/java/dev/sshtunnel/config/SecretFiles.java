package dev.sshtunnel.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import dev.sshtunnel.api.v1alpha1.SecretKeyRef;

/**
 * The secret values a tunnel document refers to, read from a directory laid out as the forwarder
 * pod mounts its Secrets: DIR/NAME/KEY for a reference {name: NAME, key: KEY}. Symlinks (the
 * kubelet's ..data swap) are followed; a name or key that could leave the directory is refused.
 */
public final class SecretFiles {

    private final Path dir;

    public SecretFiles(Path dir) {
        this.dir = dir;
    }

    /** The value of {@code ref}, or null when there is no reference; {@code path} names it in errors. */
    public SecretValue read(SecretKeyRef ref, String path) throws ConfigException {
        if (ref == null) {
            return null;
        }
        String name = ref.getName() == null || ref.getName().isBlank() ? null : ref.getName();
        String key = ref.getKey() == null || ref.getKey().isBlank() ? null : ref.getKey();
        if (name == null) {
            throw new ConfigException(path + ".name: required");
        }
        if (key == null) {
            throw new ConfigException(path + ".key: required");
        }
        if (name.contains("/") || name.contains("..") || key.contains("/") || key.equals("..")) {
            throw new ConfigException(path + ": Secret name and key must not contain '/' or '..'");
        }
        Path file = dir.resolve(name).resolve(key);
        String source = "Secret \"" + name + "\" key \"" + key + "\"";
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length == 0) {
                throw new ConfigException(path + ": file " + file + " is empty (" + source + ")");
            }
            return new SecretValue(source, bytes);
        } catch (NoSuchFileException e) {
            throw new ConfigException(path + ": file " + file + " not found (" + source + ")");
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read " + file + " (" + source + "): " + e.getClass().getSimpleName());
        }
    }
}
