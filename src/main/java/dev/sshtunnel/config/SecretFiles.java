package dev.sshtunnel.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

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

    /** The value of key {@code key} of Secret {@code name}; {@code path} names the reference in errors. */
    public SecretValue read(String name, String key, String path) throws ConfigException {
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
