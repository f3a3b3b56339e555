package dev.sshtunnel.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * helm and Flux's kstatus, built by hack/tools.sh from pinned Go modules (run here: it answers at
 * once when they are cached). Real tools, driven as users drive them.
 */
public final class EcosystemTools {

    private static Path dir;

    private EcosystemTools() {
    }

    public static synchronized Path dir() {
        if (dir == null) {
            try {
                dir = HackScripts.directory("hack/tools.sh");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return dir;
    }

    /** kstatus' verdict on each object of a `kubectl get -o json` document: namespace/name → "Status: message". */
    public static Map<String, String> kstatus(String json) {
        String out = run(json, List.of(dir().resolve("kstatus-check").toString()), Map.of());
        Map<String, String> verdicts = new LinkedHashMap<>();
        out.lines().filter(l -> !l.isBlank()).forEach(line -> {
            String[] parts = line.split("\t", 3);
            verdicts.put(parts[0], parts[1] + ": " + (parts.length > 2 ? parts[2] : ""));
        });
        return verdicts;
    }

    /** Runs helm with the given kubeconfig (null for commands that need no cluster); fails on a non-zero exit. */
    public static String helm(Path kubeconfig, String... args) {
        List<String> command = new ArrayList<>(List.of(dir().resolve("helm").toString()));
        command.addAll(List.of(args));
        Map<String, String> env = new LinkedHashMap<>();
        if (kubeconfig != null) {
            env.put("KUBECONFIG", kubeconfig.toString());
        }
        return run(null, command, env);
    }

    private static String run(String stdin, List<String> command, Map<String, String> env) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(env);
            // helm keeps its caches under HOME; keep them out of the user's.
            builder.environment().putIfAbsent("HELM_CACHE_HOME", Path.of("target/helm/cache").toAbsolutePath().toString());
            builder.environment().putIfAbsent("HELM_CONFIG_HOME", Path.of("target/helm/config").toAbsolutePath().toString());
            builder.environment().putIfAbsent("HELM_DATA_HOME", Path.of("target/helm/data").toAbsolutePath().toString());
            Process process = builder.start();
            if (stdin != null) {
                process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            process.getOutputStream().close();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
