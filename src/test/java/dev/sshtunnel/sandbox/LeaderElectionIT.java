package dev.sshtunnel.sandbox;

import static dev.sshtunnel.testing.TunnelFixtures.localTunnel;
import static dev.sshtunnel.testing.TunnelFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sshtunnel.operator.OperatorLeaderElection;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.PackagedJar;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.SandboxExtension;
import dev.sshtunnel.testing.SandboxProcess;

/**
 * Two operator processes in the production profile (leader election on a Lease, as two replicas of
 * deploy/'s Deployment would be), each as the operator's ServiceAccount: the leader is killed
 * (SIGKILL), the other takes the Lease once it expires, reconciles what changed meanwhile, and
 * nothing is created twice.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LeaderElectionIT {

    private static final String MANAGED = "app.kubernetes.io/managed-by=sshtunnel-operator";
    /** JOSDK's default lease duration, plus its 2 s retry period and scheduling slack. */
    private static final Duration TAKEOVER_BOUND = Duration.ofSeconds(15 + 2 + 3);

    @RegisterExtension
    final SandboxExtension sandboxes = new SandboxExtension();

    /** An operator in the production profile (leader election on). */
    private Process operator(SandboxProcess sandbox, String identity) throws IOException {
        // HOSTNAME is the pod name in a cluster; the operator SDK uses it as the Lease holder identity.
        return sandbox.startOperator(sandboxes.jar(), sandboxes.log(identity),
                Map.of("HOSTNAME", identity));
    }

    @Test
    void theStandbyTakesOverWithinTheLeaseAndDuplicatesNothing() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        SandboxProcess sandbox = sandboxes.start("sandbox", "--no-operator");
        Kubectl kubectl = sandbox.kubectl();
        sandbox.keySecret(key);
        kubectl.attempt(yaml(localTunnel("a", sshd, Ports.free(), echo.port())), "apply", "-f", "-");

        Process first = operator(sandbox, "operator-1");
        await().atMost(Duration.ofSeconds(60)).until(() -> holder(kubectl), "operator-1"::equals);
        operator(sandbox, "operator-2");
        kubectl.run("wait", "--for=condition=Ready", "sshtunnel/a", "--timeout=90s");
        assertThat(holder(kubectl)).isEqualTo("operator-1");

        first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        long killed = System.nanoTime();
        // While no operator leads: a new tunnel, and a changed one.
        int newPortA = Ports.free();
        kubectl.attempt(yaml(localTunnel("a", sshd, newPortA, echo.port())) + yaml(localTunnel("b", sshd, Ports.free(), echo.port())),
                "apply", "-f", "-");
        await().atMost(TAKEOVER_BOUND).pollInterval(Duration.ofMillis(200)).until(() -> holder(kubectl), "operator-2"::equals);
        Duration takeover = Duration.ofNanos(System.nanoTime() - killed);
        System.out.println("leader takeover after " + takeover.toMillis() + " ms");

        kubectl.run("wait", "--for=condition=Ready", "sshtunnel/a", "sshtunnel/b", "--timeout=90s");
        assertThat(kubectl.run("get", "sshtunnel", "a", "-o", "jsonpath={.metadata.generation}/{.status.observedGeneration}"))
                .isEqualTo("2/2");
        assertThat(kubectl.run("get", "service", "a", "-o", "jsonpath={.spec.ports[*].port}")).isEqualTo(String.valueOf(newPortA));
        assertThat(kubectl.run("get", "configmaps,deployments,services,networkpolicies", "-l", MANAGED, "-o", "name")
                .lines().sorted().toList())
                .containsExactly("configmap/a-tunnel", "configmap/b-tunnel", "deployment.apps/a", "deployment.apps/b",
                        "networkpolicy.networking.k8s.io/a", "networkpolicy.networking.k8s.io/b", "service/a", "service/b");
        assertThat(kubectl.run("get", "pods", "-l", MANAGED, "-o", "name").lines().count()).as("one pod per tunnel").isEqualTo(2);
        for (String identity : List.of("operator-1", "operator-2")) {
            assertThat(PackagedJar.read(sandboxes.log(identity)))
                    .as("RBAC refusals in the log of %s", identity).doesNotContain("forbidden");
        }
    }

    private static String holder(Kubectl kubectl) {
        Kubectl.Result lease = kubectl.attempt(null, "get", "lease", "-n", Sandbox.OPERATOR_NAMESPACE,
                OperatorLeaderElection.LEASE_NAME, "-o", "jsonpath={.spec.holderIdentity}");
        return lease.exitCode() == 0 ? lease.out().trim() : "";
    }
}
