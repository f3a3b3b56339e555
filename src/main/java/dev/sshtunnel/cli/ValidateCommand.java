package dev.sshtunnel.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.sshtunnel.config.validation.ManifestValidator;
import dev.sshtunnel.config.validation.Violation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `validate FILE...`: the checks `kubectl apply` gets from the API server, offline, for GitOps
 * pipelines. One line per problem: {@code FILE: SshTunnel NAMESPACE/NAME: FIELD: MESSAGE}.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Checks SshTunnel manifests offline against the CRD schema and its CEL rules, as the API server would.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:every SshTunnel is valid", "1:some SshTunnel is invalid", "2:a file cannot be read or parsed"})
public class ValidateCommand implements Callable<Integer> {

    static final int INVALID = 1;
    static final int UNREADABLE = 2;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "YAML files (multi-document allowed; other kinds are skipped).")
    List<Path> files;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ManifestValidator validator = ManifestValidator.fromClasspath();
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        int tunnels = 0;
        int problems = 0;
        boolean unreadable = false;
        for (Path file : files) {
            List<JsonNode> documents;
            try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(Files.readString(file))) {
                documents = it.readAll();
            } catch (IOException e) {
                err.println(file + ": cannot read or parse: " + firstLine(e.getMessage()));
                unreadable = true;
                continue;
            }
            for (JsonNode document : documents) {
                if (document == null || !document.isObject() || !ManifestValidator.isSshTunnel(document)) {
                    continue;
                }
                tunnels++;
                String object = "SshTunnel " + document.path("metadata").path("namespace").asText("(default)") + "/"
                        + document.path("metadata").path("name").asText("(unnamed)");
                for (Violation violation : validator.validate(document)) {
                    err.println(file + ": " + object + ": " + violation.field() + ": " + violation.message());
                    problems++;
                }
            }
        }
        err.flush();
        if (unreadable) {
            return UNREADABLE;
        }
        if (problems > 0) {
            return INVALID;
        }
        out.println("ok: " + tunnels + " SshTunnel" + (tunnels == 1 ? "" : "s") + " valid in " + files.size() + " file"
                + (files.size() == 1 ? "" : "s"));
        out.flush();
        return 0;
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.split("\n", 2)[0];
    }
}
