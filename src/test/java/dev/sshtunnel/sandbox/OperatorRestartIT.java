package dev.sshtunnel.sandbox;

import static dev.sshtunnel.testing.TunnelFixtures.localTunnel;
import static dev.sshtunnel.testing.TunnelFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.SandboxExtension;
import dev.sshtunnel.testing.SandboxProcess;
import dev.sshtunnel.testing.TunnelFixtures;

/**
 * The operator killed (SIGKILL) in the middle of creating tunnels, tunnels changed and deleted while
 * it is down, then started again: no duplicate objects, the changes are applied, status resumes,
 * and what belonged to the deleted tunnel is gone. The sandbox (real control plane) runs without its
 * own operator; two operator processes in turn run against it as the operator's ServiceAccount, as
 * two operator pods would.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OperatorRestartIT {

    @RegisterExtension
    final SandboxExtension sandboxes = new SandboxExtension();

    private static final String MANAGED = "app.kubernetes.io/managed-by=sshtunnel-operator";

    @Test
    void killedMidReconcileAndRestartedConvergesWithoutDuplicates() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        SandboxProcess sandbox = sandboxes.start("sandbox", "--no-operator");
        Kubectl kubectl = sandbox.kubectl();
        sandbox.keySecret(key);
        int portA = Ports.free();
        int portB = Ports.free();
        int portC = Ports.free();
        kubectl.attempt(yaml(localTunnel("a", sshd, portA, echo.port())) + yaml(localTunnel("b", sshd, portB, echo.port()))
                + yaml(localTunnel("c", sshd, portC, echo.port())), "apply", "-f", "-");

        // The first operator is killed as soon as it has created something, before it can finish.
        Path firstLog = sandboxes.log("operator-1");
        Process first = sandbox.startOperator(sandboxes.jar(), firstLog, Map.of(), "-Dquarkus.profile=sandbox");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> !kubectl.run("get", "configmaps,deployments", "-l", MANAGED, "-o", "name").isBlank() || !first.isAlive());
        first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        String halfDone = kubectl.run("get", "configmaps,deployments,services,networkpolicies", "-l", MANAGED, "-o", "name");

        // While no operator runs: c is deleted (its finalizer waits for the operator), b gets a new port.
        kubectl.run("delete", "sshtunnel", "c", "--wait=false");
        int newPortB = Ports.free();
        kubectl.attempt(yaml(localTunnel("b", sshd, newPortB, echo.port())), "apply", "-f", "-");

        Path secondLog = sandboxes.log("operator-2");
        sandbox.startOperator(sandboxes.jar(), secondLog, Map.of(), "-Dquarkus.profile=sandbox");
        kubectl.run("wait", "--for=condition=Ready", "sshtunnel/a", "sshtunnel/b", "--timeout=90s");

        assertThat(kubectl.run("get", "configmaps,deployments,services,networkpolicies", "-l", MANAGED, "-o", "name").lines().sorted().toList())
                .as("exactly one of each per remaining tunnel (killed operator had created: %s)", halfDone)
                .containsExactly("configmap/a-tunnel", "configmap/b-tunnel", "deployment.apps/a", "deployment.apps/b",
                        "networkpolicy.networking.k8s.io/a", "networkpolicy.networking.k8s.io/b", "service/a", "service/b");
        assertThat(kubectl.run("get", "service", "b", "-o", "jsonpath={.spec.ports[*].port}")).isEqualTo(String.valueOf(newPortB));
        assertThat(kubectl.run("get", "sshtunnel", "b", "-o", "jsonpath={.metadata.generation}/{.status.observedGeneration}"))
                .isEqualTo("2/2");
        assertThat(kubectl.run("get", "sshtunnel", "a", "-o", "jsonpath={.status.readyForwards}")).isEqualTo("1/1");
        // Where the sandbox relays b's Service port from, as it printed it (normally the same port).
        int localB = await().atMost(Duration.ofSeconds(20)).until(() -> {
            Matcher relay = Pattern.compile("service default/b port echo " + newPortB + " -> 127\\.0\\.0\\.1:(\\d+)")
                    .matcher(sandbox.read());
            int last = -1;
            while (relay.find()) {
                last = Integer.parseInt(relay.group(1));
            }
            return last;
        }, port -> port > 0);
        await().atMost(Duration.ofSeconds(20)).until(() -> Ports.accepts("127.0.0.1", localB) && !Ports.accepts("127.0.0.1", portC));
        // c is gone once the operator removed its finalizer, and whatever the killed operator had created for it with it
        // (the real garbage collector).
        await().atMost(Duration.ofSeconds(30)).until(() -> kubectl.run("get", "sshtunnels", "-o", "name").lines().sorted().toList(),
                List.of("sshtunnel.sshtunnel.dev/a", "sshtunnel.sshtunnel.dev/b")::equals);
        await().atMost(Duration.ofSeconds(30)).until(() -> kubectl.run("get", "replicasets,pods", "-l", "app.kubernetes.io/instance=c",
                "-o", "name").isBlank());
    }

    /**
     * A bastion's port ledger is its status, so a restarted operator keeps who holds each bind: the tunnel that asked
     * first, not the oldest one (which an operator recomputing from scratch would pick).
     */
    @Test
    void aBastionsPortLedgerSurvivesARestart() throws Exception {
        SandboxProcess sandbox = sandboxes.start("ledger-sandbox", "--no-operator");
        Kubectl kubectl = sandbox.kubectl();
        kubectl.run("create", "namespace", "team");
        kubectl.run("label", "namespace", "team", "team=a");
        Process first = sandbox.startOperator(sandboxes.jar(), sandboxes.log("ledger-operator-1"), Map.of(),
                "-Dquarkus.profile=sandbox");
        kubectl.attempt("""
                apiVersion: sshtunnel.dev/v1alpha1
                kind: ClusterSshBastion
                metadata: {name: edge}
                spec:
                  ssh:
                    host: bastion.example.com
                    user: tunnel
                    privateKeySecretRef: {name: edge-key, key: id_ed25519}
                    hostKey: {policy: AcceptNew}
                  allowedNamespaces: {from: Selector, selector: {matchLabels: {team: a}}}
                  remote: {bindAddresses: [localhost], ports: ["8000-8999"]}
                """, "apply", "-f", "-");
        kubectl.attempt(remoteTunnel("older", 8001), "apply", "-f", "-");
        awaitLedger(kubectl, "team/older/hook localhost:8001");
        kubectl.attempt(remoteTunnel("newer", 8002), "apply", "-f", "-");
        awaitLedger(kubectl, "team/older/hook localhost:8001 team/newer/hook localhost:8002");
        // The older tunnel now asks for the newer one's bind: the newer one asked first and keeps it.
        kubectl.attempt(remoteTunnel("older", 8002), "apply", "-f", "-");
        awaitLedger(kubectl, "team/newer/hook localhost:8002");
        await().atMost(Duration.ofSeconds(30)).until(() -> kubectl.run("-n", "team", "get", "sshtunnel", "older", "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].message}"), m -> m.contains("held by team/newer"));

        first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        sandbox.startOperator(sandboxes.jar(), sandboxes.log("ledger-operator-2"), Map.of(),
                "-Dquarkus.profile=sandbox");
        // The new operator is at work once it allocates a third tunnel's bind; the first holder is still the holder.
        kubectl.attempt(remoteTunnel("third", 8003), "apply", "-f", "-");
        awaitLedger(kubectl, "team/newer/hook localhost:8002 team/third/hook localhost:8003");
        assertThat(kubectl.run("-n", "team", "get", "sshtunnel", "older", "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}")).isEqualTo("PortConflict");
    }

    private static void awaitLedger(Kubectl kubectl, String expected) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> kubectl.run("get",
                "clustersshbastion", "edge", "-o",
                "jsonpath={range .status.allocations[*]}{.namespace}/{.tunnel}/{.forward} {.bindAddress}:{.port} {end}").strip(),
                expected::equals);
    }

    /** Tunnel team/NAME on ClusterSshBastion edge, as a tenant writes it: one Remote forward "hook" of localhost:PORT. */
    private static String remoteTunnel(String name, int port) {
        return yaml(TunnelFixtures.asWrittenOnBastion("team", name, BastionKind.ClusterSshBastion, "edge",
                TunnelFixtures.remote("hook", port, "web.team.svc", 80)));
    }
}
