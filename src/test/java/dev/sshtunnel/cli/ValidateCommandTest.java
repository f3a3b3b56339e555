package dev.sshtunnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** `validate` as a pipeline runs it: exit codes and one greppable line per problem. */
class ValidateCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        return commandLine.execute(args);
    }

    @Test
    void validExamplesExitZero() {
        assertThat(run("validate", "examples/local-postgres.yaml", "examples/jump-hosts.yaml")).isZero();
        assertThat(out.toString()).contains("ok: 2 SshTunnels valid in 2 files");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void invalidManifestExitsOneWithFileObjectAndField() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, """
                apiVersion: v1
                kind: Secret
                metadata: {name: skipped}
                ---
                apiVersion: sshtunnel.dev/v1alpha1
                kind: SshTunnel
                metadata: {name: warehouse, namespace: apps}
                spec:
                  ssh: {host: bastion, user: tunnel, passwordSecretRef: {name: p, key: password}}
                  forwards:
                    - {name: db, type: Local, port: 0, target: {host: db, port: 5432}}
                    - {name: db, type: Dynamic, port: 1080}
                """);

        assertThat(run("validate", file.toString())).isEqualTo(1);
        assertThat(err.toString().lines()).containsExactly(
                file + ": SshTunnel apps/warehouse: spec.forwards: Duplicate value: forward names must be unique",
                file + ": SshTunnel apps/warehouse: spec.forwards[0].port: Invalid value: port 0 (let the server allocate)"
                        + " is only allowed for Remote forwards; Local and Dynamic need a port 1-65535");
    }

    @Test
    void unreadableFileExitsTwo() {
        assertThat(run("validate", dir.resolve("missing.yaml").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("missing.yaml: cannot read or parse");
    }
}
