package dev.sshtunnel.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.sshtunnel.api.forwarder.ForwarderStatus;
import dev.sshtunnel.config.ConfigException;
import dev.sshtunnel.config.SecretFiles;
import dev.sshtunnel.config.TunnelConfig;
import dev.sshtunnel.config.TunnelConfigLoader;
import dev.sshtunnel.config.policy.TargetPolicy;
import dev.sshtunnel.forwarder.ForwarderProcess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The forwarder role: what the operator runs in each forwarder pod, and what a user runs on a workstation. */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Holds the SSH session and forwards of one SshTunnel until SIGTERM.")
public class ForwardCommand implements Callable<Integer> {

    /** Exit code for a configuration the user must fix. */
    static final int CONFIG_ERROR = 2;

    @Spec
    CommandSpec spec;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE",
            description = "SshTunnel YAML: the whole resource, as applied to the cluster. Edits to it (and to the "
                    + "secret files) are applied while running, without dropping unchanged forwards.")
    Path file;

    @Option(names = "--secrets-dir", required = true, paramLabel = "DIR",
            description = "Directory holding secret files: a reference {name: N, key: K} is read from DIR/N/K.")
    Path secretsDir;

    @Option(names = "--bind-address", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "Address the Local and Dynamic listeners bind (default: ${DEFAULT-VALUE}; pods use 0.0.0.0).")
    String bindAddress;

    @Option(names = "--http-port", defaultValue = "" + ForwarderStatus.PORT, paramLabel = "N",
            description = "Port of /status, /q/health/live, /q/health/ready and /q/metrics (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--http-address", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "Address of the HTTP endpoints (default: ${DEFAULT-VALUE}, like the listeners; pods pass their pod IP).")
    String httpAddress;

    @Option(names = "--grace-period", defaultValue = "10", paramLabel = "SECONDS",
            description = "On SIGTERM, how long open channels may finish (default: ${DEFAULT-VALUE}).")
    int graceSeconds;

    @Option(names = "--admitted",
            description = "FILE is the operator's rendering of an SshTunnel the API server admitted (forwarder pods): "
                    + "skip re-judging it by the CRD's rules, which keeps their evaluators off the start path.")
    boolean admitted;

    @Option(names = "--denied-targets", split = ",", paramLabel = "CIDR",
            description = "Addresses a Remote forward's target or a SOCKS destination may not resolve to (CIDRs, "
                    + "comma-separated; the operator passes sshtunnel.guard-rails.denied-targets). Default: none.")
    List<String> deniedTargets = List.of();

    @Option(names = "--api-server-targets", split = ",", paramLabel = "CIDR",
            description = "The Kubernetes API server's addresses, denied like --denied-targets "
                    + "(the operator passes them when sshtunnel.guard-rails.deny-api-server is true).")
    List<String> apiServerTargets = List.of();

    @Option(names = "--allowed-targets", split = ",", paramLabel = "CIDR",
            description = "When given: the only addresses such a target may resolve to "
                    + "(sshtunnel.guard-rails.allowed-targets; the deny lists still apply).")
    List<String> allowedTargets;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        ForwarderLogging.install();
        ForwarderProcess process;
        try {
            TunnelConfigLoader loader = new TunnelConfigLoader(new SecretFiles(secretsDir),
                    admitted ? TunnelConfigLoader.Admission.ADMITTED : TunnelConfigLoader.Admission.CHECK_CRD_RULES);
            TargetPolicy policy = targetPolicy(deniedTargets, apiServerTargets, Optional.ofNullable(allowedTargets));
            TunnelConfig config = loader.load(file);
            process = new ForwarderProcess(config, bindAddress, httpAddress, httpPort, Duration.ofSeconds(graceSeconds), policy);
            process.watch(file, secretsDir, loader, ForwarderProcess.WATCH_INTERVAL);
        } catch (ConfigException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return CONFIG_ERROR;
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        }
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            process.close();
            done.countDown();
            // A clean stop on SIGTERM exits 0 (the JVM would otherwise report 143), so Kubernetes sees success.
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(0);
        }, "sigterm"));
        done.await();
        return 0;
    }

    /** The policy of the three options; an entry that is not a CIDR is a configuration error naming it. */
    static TargetPolicy targetPolicy(List<String> denied, List<String> apiServer, Optional<List<String>> allowed) throws ConfigException {
        try {
            return TargetPolicy.of(denied, apiServer, allowed);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }
}
