package dev.sshtunnel.cli;

import java.util.concurrent.Callable;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import picocli.CommandLine.Command;

@Command(name = "operator", mixinStandardHelpOptions = true,
        description = "Runs the operator: watches SshTunnels and manages their forwarder Deployments, Services and status.")
public class OperatorCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        // Quarkus boots the operator SDK extension, which starts the controllers; this blocks until SIGTERM.
        Quarkus.run(WaitForShutdown.class);
        return 0;
    }

    /** Keeps the operator role running until the JVM is asked to stop. */
    public static class WaitForShutdown implements QuarkusApplication {
        @Override
        public int run(String... args) {
            Quarkus.waitForExit();
            return 0;
        }
    }
}
