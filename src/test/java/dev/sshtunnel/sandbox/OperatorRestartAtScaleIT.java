package dev.sshtunnel.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.OperatorContainer;
import dev.sshtunnel.testing.PackagedJar;
import dev.sshtunnel.testing.SandboxExtension;
import dev.sshtunnel.testing.SandboxProcess;

/**
 * A thousand tunnels stored, as after an install or a restart, and the operator killed (SIGKILL) half-way through
 * creating their objects, then started again: it finishes without a duplicate object and writes every status, both
 * processes staying within deploy/'s memory limit with deploy/'s JVM settings (the image's flags and JDK_JAVA_OPTIONS,
 * the limit as -XX:MaxRAM, on the JDK running the tests). No node: the pods stay Pending, as in bench/control-plane.sh,
 * which measures the same start-up; the times are printed (target/it-logs/) and go to docs/benchmarks.md, not asserted.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class OperatorRestartAtScaleIT {

    private static final int TUNNELS = Integer.getInteger("sshtunnel.it.restart-tunnels", 1000);
    private static final String MANAGED = "app.kubernetes.io/managed-by=sshtunnel-operator";
    private static final String READY_GENERATION = "jsonpath={range .items[*]}{.metadata.name} "
            + "{.status.conditions[?(@.type==\"Ready\")].observedGeneration}{\"\\n\"}{end}";

    @RegisterExtension
    final SandboxExtension sandboxes = new SandboxExtension();

    @Test
    void killedHalfWayThroughAThousandTunnelsAndRestartedItFinishesWithinItsLimit() throws Exception {
        SandboxProcess sandbox = sandboxes.start("sandbox", "--no-operator", "--no-pods");
        Kubectl kubectl = sandbox.kubectl();
        kubectl.run("create", "secret", "generic", "bastion-key", "--from-literal=id_ed25519=placeholder");
        Kubectl.Result applied = kubectl.attempt(IntStream.range(0, TUNNELS).mapToObj(OperatorRestartAtScaleIT::tunnel)
                .collect(Collectors.joining("---\n")), "apply", "--server-side", "-f", "-");
        assertThat(applied.exitCode()).as(applied.err()).isZero();
        long limit = OperatorContainer.memoryLimit();
        List<String> flags = new ArrayList<>(OperatorContainer.jvmFlags());
        flags.add("-Dquarkus.profile=sandbox");

        Process first = sandbox.startOperator(sandboxes.jar(), sandboxes.log("operator-1"), OperatorContainer.processEnvironment(),
                flags.toArray(String[]::new));
        await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(500))
                .until(() -> !first.isAlive() || count(kubectl, "deployments") >= TUNNELS / 2);
        assertThat(first.isAlive()).as("the first operator is still running: %s", tail(sandboxes.log("operator-1"))).isTrue();
        long firstPeak = OperatorContainer.peakResidentBytes(first.pid());
        first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        String halfWay = "configmaps " + count(kubectl, "configmaps") + ", deployments " + count(kubectl, "deployments")
                + ", services " + count(kubectl, "services");

        long started = System.nanoTime();
        Process second = sandbox.startOperator(sandboxes.jar(), sandboxes.log("operator-2"), OperatorContainer.processEnvironment(),
                flags.toArray(String[]::new));
        await().atMost(Duration.ofSeconds(600)).pollInterval(Duration.ofSeconds(2))
                .until(() -> !second.isAlive() || current(kubectl) == TUNNELS);
        long finished = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(second.isAlive()).as("the second operator is still running: %s", tail(sandboxes.log("operator-2"))).isTrue();
        long secondPeak = OperatorContainer.peakResidentBytes(second.pid());

        String result = "%d tunnels; killed at: %s; restarted operator: every status current after %d ms; peak RSS %d MiB then %d MiB (limit %d MiB)"
                .formatted(TUNNELS, halfWay, finished, firstPeak >> 20, secondPeak >> 20, limit >> 20);
        System.out.println(result);
        Files.createDirectories(PackagedJar.IT_LOGS);
        Files.writeString(PackagedJar.IT_LOGS.resolve("OperatorRestartAtScaleIT.txt"), result + "\n");

        for (String kind : List.of("configmaps", "deployments", "services", "networkpolicies")) {
            List<String> names = kubectl.run("get", kind, "-l", MANAGED, "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}")
                    .lines().sorted().toList();
            assertThat(names).as("one %s per tunnel, no duplicate", kind).hasSize(TUNNELS).doesNotHaveDuplicates()
                    .allMatch(name -> name.matches("t\\d{5}(-tunnel)?"));
        }
        assertThat(kubectl.run("get", "deployments", "-l", MANAGED, "-o",
                "jsonpath={range .items[*]}{.metadata.name}={.metadata.ownerReferences[0].name}{\"\\n\"}{end}").lines()
                .filter(line -> !line.split("=")[0].equals(line.split("=", 2)[1]))).as("each Deployment owned by its tunnel").isEmpty();
        assertThat(firstPeak).as("peak RSS of the killed operator against deploy/'s limit").isLessThan(limit);
        assertThat(secondPeak).as("peak RSS of the restarted operator against deploy/'s limit").isLessThan(limit);
    }

    /** Tunnels whose Ready condition speaks for their current generation (1), as kubectl wait judges it. */
    private static long current(Kubectl kubectl) {
        return kubectl.run("get", "sshtunnels", "-o", READY_GENERATION).lines().filter(line -> line.endsWith(" 1")).count();
    }

    private static long count(Kubectl kubectl, String kind) {
        return kubectl.run("get", kind, "-l", MANAGED, "-o", "name").lines().count();
    }

    /** Tunnel tNNNNN: one Local forward through a server no forwarder will reach (no node runs its pod). */
    private static String tunnel(int i) {
        return """
                apiVersion: sshtunnel.dev/v1alpha1
                kind: SshTunnel
                metadata: {name: t%05d, namespace: default}
                spec:
                  ssh:
                    host: bastion.example.com
                    user: tunnel
                    privateKeySecretRef: {name: bastion-key, key: id_ed25519}
                    hostKey: {knownHosts: "bastion.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBgnfsI4ebRFVExEs2CVmLp6xwSMR9PLLomOavVGBHmQ"}
                  forwards:
                    - {name: pg, type: Local, port: 5432, target: {host: db.internal, port: 5432}}
                """.formatted(i);
    }

    private static String tail(Path log) {
        String text = PackagedJar.read(log);
        return text.substring(Math.max(0, text.length() - 4000));
    }
}
