package dev.sshtunnel.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The forwarder role: what the operator runs in each forwarder pod, and what a user runs on a workstation. */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Holds the SSH session and forwards of one SshTunnel until SIGTERM.")
public class ForwardCommand implements Callable<Integer> {

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE",
            description = "SshTunnel YAML: the whole resource, as applied to the cluster.")
    Path file;

    @Option(names = "--secrets-dir", required = true, paramLabel = "DIR",
            description = "Directory holding secret files: a reference {name: N, key: K} is read from DIR/N/K.")
    Path secretsDir;

    @Option(names = "--bind-address", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "Address the Local and Dynamic listeners bind (default: ${DEFAULT-VALUE}; pods use 0.0.0.0).")
    String bindAddress;

    @Option(names = "--http-port", defaultValue = "8081", paramLabel = "N",
            description = "Port of /status, /q/health/live, /q/health/ready and /q/metrics (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--http-address", defaultValue = "0.0.0.0", paramLabel = "ADDR",
            description = "Address of the HTTP endpoints (default: ${DEFAULT-VALUE}).")
    String httpAddress;

    @Override
    public Integer call() {
        throw new UnsupportedOperationException("forwarder not wired yet");
    }
}
