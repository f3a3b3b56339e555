package dev.sshtunnel.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.sandbox.Sandbox;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.OperatorContainer;
import dev.sshtunnel.testing.PackagedJar;
import dev.sshtunnel.testing.RealCluster;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * One namespace holds 100 large tunnels, applied server-side as Argo CD and Flux apply them: each
 * has the CRD's largest knownHosts on the server and on all eight jump hosts and 64 pod annotations
 * of 1 KiB, about 0.65 MiB as stored. The packaged operator then starts with deploy/'s memory limit
 * standing in for the container's (-XX:MaxRAM, with the image's own -XX flags: heap at 40 % of it),
 * lists them all, and must stay within that limit and write a new small tunnel's status within 30 s.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class OperatorMemoryIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TUNNELS = 100;
    private static final int JUMP_HOSTS = 8;
    /** Just under the CRD's knownHosts bound (65536). */
    private static final int KNOWN_HOSTS = 65_000;
    private static final String NAMESPACE = "crowded";

    @TempDir
    Path dir;

    private final PackagedJar jar = new PackagedJar();

    @AfterEach
    void stop() throws InterruptedException {
        jar.close();
    }

    @Test
    void hundredLargeTunnelsLeaveTheOperatorWithinItsLimitAndServingANewTunnel() throws Exception {
        long limit = OperatorContainer.memoryLimit();
        KubernetesClient client = RealCluster.admin();
        RealCluster.namespace(NAMESPACE);
        Kubectl kubectl = new Kubectl(RealCluster.adminKubeconfig());
        for (int batch = 0; batch < TUNNELS; batch += 10) {
            StringBuilder documents = new StringBuilder();
            for (int i = batch; i < batch + 10; i++) {
                documents.append(JSON.writeValueAsString(largeTunnel("large-" + i))).append('\n');
            }
            Kubectl.Result applied = kubectl.attempt(documents.toString(), "apply", "--server-side", "-n", NAMESPACE, "-f", "-");
            assertThat(applied.exitCode()).as(applied.err()).isZero();
        }
        int stored = JSON.writeValueAsBytes(client.resources(SshTunnel.class).inNamespace(NAMESPACE).withName("large-0").get()).length;
        System.out.printf("one large tunnel as stored: %d bytes%n", stored);

        Path gcLog = PackagedJar.IT_LOGS.resolve("OperatorMemoryIT-gc.log");
        List<String> options = new ArrayList<>(OperatorContainer.jvmFlags());
        options.addAll(List.of("-Xlog:gc:file=" + gcLog,
                "-Dkubeconfig=" + operatorKubeconfig(), "-Dquarkus.http.port=0", "-Dquarkus.http.host=127.0.0.1",
                // The large tunnels' pod annotations are allowed, so they wait in SecretNotFound as before the guard rails.
                "-Dsshtunnel.guard-rails.pod-annotation-prefixes=example.com/"));
        Path log = PackagedJar.IT_LOGS.resolve("OperatorMemoryIT-operator.log");
        long started = System.nanoTime();
        Process operator = jar.start(log, OperatorContainer.processEnvironment(), options, "operator");

        await().atMost(Duration.ofSeconds(600)).pollInterval(Duration.ofSeconds(5))
                .until(() -> !operator.isAlive() || withStatus(kubectl) == TUNNELS);
        assertThat(operator.isAlive()).as("the operator is still running: %s", tail(log)).isTrue();
        long allStatus = System.nanoTime() - started;

        long asked = System.nanoTime();
        Kubectl.Result small = kubectl.attempt(JSON.writeValueAsString(smallTunnel()), "apply", "--server-side", "-n", NAMESPACE,
                "-f", "-");
        assertThat(small.exitCode()).as(small.err()).isZero();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> !kubectl.run("get", "sshtunnel", "small", "-n", NAMESPACE, "-o",
                        "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}").isBlank());
        long served = System.nanoTime() - asked;

        long peak = OperatorContainer.peakResidentBytes(operator.pid());
        System.out.printf("limit %d MiB; status of %d tunnels after %d s; new tunnel's status after %d ms; peak RSS %d MiB%n",
                limit >> 20, TUNNELS, TimeUnit.NANOSECONDS.toSeconds(allStatus), TimeUnit.NANOSECONDS.toMillis(served), peak >> 20);
        assertThat(operator.isAlive()).as("the operator is still running: %s", tail(log)).isTrue();
        assertThat(peak).as("peak resident memory of the operator, against deploy/'s limit").isLessThan(limit);
    }

    /** Tunnels whose Ready condition is set, read from a name/reason table rather than whole objects. */
    private static long withStatus(Kubectl kubectl) {
        return kubectl.run("get", "sshtunnels", "-n", NAMESPACE, "--no-headers", "-o",
                "custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type==\"Ready\")].reason")
                .lines().filter(line -> line.startsWith("large-") && !line.trim().endsWith("<none>")).count();
    }

    private static Map<String, Object> largeTunnel(String name) {
        Map<String, Object> ssh = endpoint("bastion.example.com");
        List<Object> hops = new ArrayList<>();
        for (int i = 0; i < JUMP_HOSTS; i++) {
            hops.add(endpoint("jump-" + i + ".example.com"));
        }
        ssh.put("jumpHosts", hops);
        Map<String, String> annotations = new LinkedHashMap<>();
        for (int i = 0; i < 64; i++) {
            annotations.put("example.com/note-" + i, "n".repeat(1024));
        }
        return tunnel(name, ssh, Map.of("podAnnotations", annotations));
    }

    private static Map<String, Object> smallTunnel() {
        return tunnel("small", endpoint("bastion.example.com"), Map.of());
    }

    /** A hop whose key Secret does not exist: the tunnel waits in SecretNotFound and no forwarder pod starts. */
    private static Map<String, Object> endpoint(String host) {
        Map<String, Object> endpoint = new LinkedHashMap<>();
        endpoint.put("host", host);
        endpoint.put("user", "tunnel");
        endpoint.put("privateKeySecretRef", Map.of("name", "absent-key", "key", "id_ed25519"));
        endpoint.put("hostKey", Map.of("knownHosts", knownHosts(host)));
        return endpoint;
    }

    private static String knownHosts(String host) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; lines.length() < KNOWN_HOSTS - 100; i++) {
            lines.append(host).append(",10.0.").append(i / 250).append('.').append(i % 250)
                    .append(" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI").append(String.format("%043d", i)).append('\n');
        }
        return lines.toString();
    }

    private static Map<String, Object> tunnel(String name, Map<String, Object> ssh, Map<String, Object> forwarder) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("ssh", ssh);
        spec.put("forwards", List.of(Map.of("name", "postgres", "type", "Local", "port", 5432,
                "target", Map.of("host", "db.internal", "port", 5432))));
        if (!forwarder.isEmpty()) {
            spec.put("forwarder", forwarder);
        }
        return Map.of("apiVersion", "sshtunnel.dev/v1alpha1", "kind", "SshTunnel",
                "metadata", Map.of("name", name, "namespace", NAMESPACE), "spec", spec);
    }

    /** A kubeconfig as deploy/'s operator ServiceAccount: RBAC applies to everything the operator does. */
    private Path operatorKubeconfig() throws IOException {
        Path file = dir.resolve("operator.kubeconfig");
        String ca = java.util.Base64.getEncoder().encodeToString(RealCluster.caPem().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "%s", certificate-authority-data: %s}}]
                users: [{name: operator, user: {token: "%s"}}]
                contexts: [{name: c, context: {cluster: c, user: operator, namespace: %s}}]
                current-context: c
                """.formatted(RealCluster.url(), ca, RealCluster.operatorToken(), Sandbox.OPERATOR_NAMESPACE));
        return file;
    }

    private static String tail(Path log) {
        String text = PackagedJar.read(log);
        return text.substring(Math.max(0, text.length() - 4000));
    }
}
