package dev.sshtunnel.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Checks SshTunnel manifests offline against the CRD schema and its CEL rules, as the API server would.")
public class ValidateCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "YAML files (multi-document allowed).")
    List<Path> files;

    @Override
    public Integer call() {
        throw new UnsupportedOperationException("validate not wired yet");
    }
}
