package dev.sshtunnel.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

@Command(name = "sshtunnel-operator",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Manages SSH tunnels as Kubernetes custom resources. Without a command, runs the operator.",
        subcommands = {OperatorCommand.class, ForwardCommand.class, ValidateCommand.class})
public class RootCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        return new OperatorCommand().call();
    }
}
