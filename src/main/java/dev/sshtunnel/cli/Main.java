package dev.sshtunnel.cli;

import io.quarkus.runtime.annotations.QuarkusMain;
import picocli.CommandLine;

/**
 * One artifact, two roles. Picocli parses the command line before anything boots: only the
 * {@code operator} role starts Quarkus (and with it the Java Operator SDK and the Kubernetes
 * client); {@code forward} and {@code validate} run without API credentials or CDI, so a forwarder
 * pod holds SSH keys and nothing else.
 */
@QuarkusMain
public final class Main {

    private Main() {
    }

    public static void main(String... args) {
        CachingSlf4jProvider.install();
        System.exit(run(args));
    }

    static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        return new CommandLine(new RootCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
