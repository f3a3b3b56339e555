package dev.sshtunnel.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real kubectl binary, run against one kubeconfig. */
public final class Kubectl {

    public record Result(int exitCode, String out, String err) {
    }

    private final Path kubeconfig;

    public Kubectl(Path kubeconfig) {
        this.kubeconfig = kubeconfig;
    }

    /** Runs kubectl; returns stdout, failing with stderr when kubectl fails. */
    public String run(String... args) {
        Result result = attempt(null, args);
        if (result.exitCode != 0) {
            throw new IllegalStateException("kubectl " + String.join(" ", args) + " failed (" + result.exitCode + "): " + result.err);
        }
        return result.out;
    }

    /** Runs kubectl with stdin; returns whatever happened. */
    public Result attempt(String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).start();
            if (stdin != null) {
                process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            process.getOutputStream().close();
            var err = new java.util.concurrent.CompletableFuture<String>();
            Thread reader = new Thread(() -> {
                try {
                    err.complete(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    err.complete(e.toString());
                }
            });
            reader.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("kubectl " + String.join(" ", args) + " did not finish");
            }
            return new Result(process.exitValue(), out, err.get(10, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new IllegalStateException("kubectl " + String.join(" ", args) + ": " + e, e);
        }
    }
}
