package dev.sshtunnel.cli;

import java.util.concurrent.Callable;

import io.quarkus.runtime.Quarkus;
import picocli.CommandLine.Command;

@Command(name = "operator", mixinStandardHelpOptions = true,
        description = "Runs the operator: watches SshTunnels and manages their forwarder Deployments, Services and status.")
public class OperatorCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        // Boots Quarkus until SIGTERM. No QuarkusApplication class on purpose: the operator SDK
        // extension starts the controllers itself only when the application defines none.
        Quarkus.run();
        return 0;
    }
}
