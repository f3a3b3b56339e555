package dev.sshtunnel.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sandbox (hack/sandbox.sh) as the end-to-end tests start it, on the control-plane binaries of
 * hack/kube-binaries.sh: its process, its log, kubectl as cluster admin and, with --no-operator, the
 * operator ServiceAccount's kubeconfig it printed.
 */
public record SandboxProcess(Process process, Path log, Kubectl kubectl, String operatorKubeconfig) {

    /** Starts `sandbox --work-dir DIR/sandbox` (plus extra arguments) and waits until it is ready. */
    public static SandboxProcess start(PackagedJar jar, Path dir, String logName, String... extra) throws IOException {
        return start(jar, dir, logName, java.util.Map.of(), extra);
    }

    /** The same with environment variables for the sandbox and its operator (e.g. SSHTUNNEL_STATUS_* settings). */
    public static SandboxProcess start(PackagedJar jar, Path dir, String logName, java.util.Map<String, String> env,
            String... extra) throws IOException {
        Path log = PackagedJar.IT_LOGS.resolve(logName);
        List<String> args = new ArrayList<>(List.of("--work-dir", dir.resolve("sandbox").toString(),
                "--kube-binaries", RealCluster.binaries().toString()));
        args.addAll(List.of(extra));
        boolean operator = !args.contains("--no-operator");
        Process process = jar.startSandbox(log, env, args.toArray(String[]::new));
        // The sandbox prints the line last, once the CRDs are established and its operator (if any) is ready.
        String ready = "sandbox: export KUBECONFIG=" + dir.resolve("sandbox/kubeconfig").toAbsolutePath();
        await().atMost(Duration.ofSeconds(120)).until(() -> PackagedJar.read(log).contains(ready) || !process.isAlive());
        assertThat(process.isAlive()).as(PackagedJar.read(log)).isTrue();
        if (operator) {
            assertThat(PackagedJar.read(log)).contains("Profile sandbox activated");
        }
        String operatorKubeconfig = null;
        if (!operator) {
            Matcher matcher = Pattern.compile("KUBECONFIG=(\\S+) java").matcher(PackagedJar.read(log));
            assertThat(matcher.find()).as(PackagedJar.read(log)).isTrue();
            operatorKubeconfig = matcher.group(1);
        }
        return new SandboxProcess(process, log, new Kubectl(dir.resolve("sandbox/kubeconfig")), operatorKubeconfig);
    }

    /**
     * Copies the control plane's logs (component logs and the audit log) of a sandbox under DIR to
     * target/it-logs/NAME-cluster/, where they outlive the test and SecretLeakScanIT reads them too.
     */
    public static void keepClusterLogs(Path dir, String name) throws IOException {
        Path logs = dir.resolve("sandbox/cluster/logs");
        if (!java.nio.file.Files.isDirectory(logs)) {
            return;
        }
        Path target = PackagedJar.IT_LOGS.resolve(name + "-cluster");
        java.nio.file.Files.createDirectories(target);
        try (var files = java.nio.file.Files.list(logs)) {
            for (Path file : files.toList()) {
                java.nio.file.Files.copy(file, target.resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /**
     * An operator process against this sandbox (started with --no-operator), as the sandbox prints how
     * to start one: the operator ServiceAccount's kubeconfig (RBAC enforced) and the sandbox's forwarder image.
     */
    public Process startOperator(PackagedJar jar, Path log, java.util.Map<String, String> env, String... jvmOptions)
            throws IOException {
        List<String> options = new ArrayList<>(List.of("-Dkubeconfig=" + operatorKubeconfig,
                "-Dsshtunnel.forwarder.image=" + dev.sshtunnel.sandbox.Sandbox.FORWARDER_IMAGE,
                "-Dquarkus.http.port=0", "-Dquarkus.http.host=127.0.0.1"));
        options.addAll(List.of(jvmOptions));
        return jar.start(log, env, options, "operator");
    }

    public String read() {
        return PackagedJar.read(log);
    }

    /** `kubectl create secret generic bastion-key --from-file=id_ed25519=KEY`. */
    public void keySecret(Path key) {
        kubectl.run("create", "secret", "generic", "bastion-key", "--from-file=id_ed25519=" + key);
    }
}
