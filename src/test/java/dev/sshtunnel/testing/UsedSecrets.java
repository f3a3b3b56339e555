package dev.sshtunnel.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Every secret the test suite hands to the code under test — private key material, passphrases,
 * passwords — recorded in target/used-secrets.txt, so SecretLeakScanIT can check afterwards that
 * none of them shows up in any log line, event, status or /status body the suite produced.
 */
public final class UsedSecrets {

    public static final Path FILE = Path.of("target", "used-secrets.txt");
    /** Shorter strings could occur in ordinary text by chance. */
    private static final int MIN_LENGTH = 8;

    private UsedSecrets() {
    }

    /** A passphrase or password. */
    public static synchronized void text(String secret) {
        if (secret != null && secret.strip().length() >= MIN_LENGTH) {
            append(List.of(secret.strip()));
        }
    }

    /** A private key file: each line of its base64 body is a secret of its own. */
    public static synchronized void privateKey(Path key) {
        try {
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(key, StandardCharsets.US_ASCII)) {
                if (!line.startsWith("-----") && !line.contains(":") && line.strip().length() >= 20) {
                    lines.add(line.strip());
                }
            }
            append(lines);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<String> all() throws IOException {
        return Files.exists(FILE) ? Files.readAllLines(FILE, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).distinct().toList()
                : List.of();
    }

    private static void append(List<String> secrets) {
        if (secrets.isEmpty()) {
            return;
        }
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, String.join("\n", secrets) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
