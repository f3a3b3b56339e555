package dev.sshtunnel.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.testing.UsedSecrets;

/**
 * Suite-wide: no private key line, passphrase or password that any test handed to the code shows up
 * in anything the suite captured — the output (logs) of every unit and integration test, and what
 * SandboxIT saved of what users see: the sandbox's log (operator and forwarders), every event,
 * every SshTunnel with its status, and each forwarder's /status and /q/metrics. Runs last, in its
 * own failsafe execution (post-integration-test).
 */
class SecretLeakScanIT {

    private static final List<Path> CAPTURED = List.of(Path.of("target/surefire-reports"), Path.of("target/failsafe-reports"),
            Path.of("target/it-logs"));

    @Test
    void noSecretUsedByTheSuiteAppearsInWhatItCaptured() throws IOException {
        List<String> secrets = UsedSecrets.all();
        assertThat(secrets).as("secrets recorded by the tests (Keys, TunnelFiles, DropbearServer)").hasSizeGreaterThan(20);

        List<Path> files = new ArrayList<>();
        for (Path dir : CAPTURED) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    // Only captured output: report XML and summaries carry test display names, which may
                    // quote a parameter such as a passphrase.
                    walk.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith("-output.txt")
                            || p.startsWith(Path.of("target/it-logs"))).forEach(files::add);
                }
            }
        }
        assertThat(files).as("captured output").anyMatch(p -> p.toString().endsWith("-output.txt"))
                .anyMatch(p -> p.startsWith(Path.of("target/it-logs")) && p.getFileName().toString().startsWith("SandboxIT-")
                        && p.getFileName().toString().endsWith("-sandbox.log"))
                .anyMatch(p -> p.endsWith(Path.of("target/it-logs/SandboxIT-events.yaml")));

        // Written by this build, not left over from an earlier one: no older than the unit tests' output.
        long unitTestsStarted = files.stream().filter(p -> p.toString().endsWith("-output.txt")).mapToLong(SecretLeakScanIT::modified)
                .min().orElseThrow();
        assertThat(files).filteredOn(p -> p.startsWith(Path.of("target/it-logs")))
                .allSatisfy(p -> assertThat(modified(p)).as(p + " is from this build").isGreaterThanOrEqualTo(unitTestsStarted));

        List<String> leaks = new ArrayList<>();
        long bytes = 0;
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.ISO_8859_1);
            bytes += text.length();
            for (String secret : secrets) {
                if (text.contains(secret)) {
                    leaks.add(file + " contains a recorded secret starting with " + secret.substring(0, 4) + "...");
                }
            }
        }
        assertThat(files).as("files scanned").hasSizeGreaterThan(10);
        assertThat(bytes).as("bytes scanned").isGreaterThan(50_000);
        assertThat(leaks).isEmpty();
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
