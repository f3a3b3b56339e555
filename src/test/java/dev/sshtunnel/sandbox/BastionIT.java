package dev.sshtunnel.sandbox;

import static dev.sshtunnel.testing.TunnelFixtures.local;
import static dev.sshtunnel.testing.TunnelFixtures.remote;
import static dev.sshtunnel.testing.TunnelFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.SandboxExtension;
import dev.sshtunnel.testing.SandboxProcess;
import dev.sshtunnel.testing.TunnelFixtures;

/**
 * A platform team owns a bastion and grants it: on the sandbox (real control plane, the operator as its ServiceAccount,
 * pods really running, kubectl, a real sshd), a granted tenant's tunnel carries traffic through the Service in its own
 * namespace while nothing in that namespace holds the key; every refusal has its reason; the grant follows namespace
 * labels both ways; deleting the tunnel, the namespace or the bastion removes what it made in the bastion's namespace.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class BastionIT {

    private static final String READY_REASON = "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}";
    private static final String READY_MESSAGE = "jsonpath={.status.conditions[?(@.type==\"Ready\")].message}";
    private static final String PLATFORM = "sshtunnel-system";
    private static final String MANAGED = "app.kubernetes.io/managed-by=sshtunnel-operator";

    @RegisterExtension
    final SandboxExtension sandboxes = new SandboxExtension();
    private SandboxProcess sandbox;

    @Test
    void aGrantedTenantTunnelsThroughThePlatformsBastionWithoutEverHoldingItsKey() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        // Remote targets on loopback: the sandbox profile's target guard rail leaves loopback open (TargetGuardRailIT).
        sandbox = sandboxes.start("sandbox");
        Kubectl kubectl = sandbox.kubectl();
        kubectl.run("create", "namespace", "team-a");
        kubectl.run("label", "namespace", "team-a", "team=a");
        kubectl.run("create", "namespace", "team-b");
        kubectl.run("-n", PLATFORM, "create", "secret", "generic", "edge-key", "--from-file=id_ed25519=" + key);
        int remotePort = Ports.free();
        int otherRemotePort = Ports.free();
        assertThat(kubectl.attempt(bastion(sshd, echo.port(), remotePort), "apply", "-f", "-").out())
                .contains("clustersshbastion.sshtunnel.dev/edge created");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "clustersshbastion", "edge", "-o", READY_REASON), "Accepted"::equals);

        // The tenant asks for a Local and a Remote forward; the key stays in the platform's namespace.
        int localPort = Ports.free();
        apply(kubectl, yaml(onEdge("team-a", "web", local("echo", localPort, "127.0.0.1", echo.port()),
                remote("hook", "127.0.0.1", remotePort, "127.0.0.1", echo.port()))));
        assertThat(kubectl.run("-n", "team-a", "wait", "--for=condition=Ready", "sshtunnel/web", "--timeout=90s"))
                .as(sandbox::read).contains("condition met");
        assertThat(sandbox.read()).contains("service team-a/web port echo " + localPort + " -> ");
        try (Socket local = new Socket("127.0.0.1", localPort)) {
            assertThat(roundTrip(local, "through the bastion -L")).isEqualTo("through the bastion -L");
        }
        try (Socket remote = new Socket("127.0.0.1", remotePort)) {
            assertThat(roundTrip(remote, "through the bastion -R")).isEqualTo("through the bastion -R");
        }
        assertThat(kubectl.run("-n", "team-a", "get", "secrets,pods,deployments,replicasets,networkpolicies", "-o", "name"))
                .as("nothing in the tenant's namespace holds or mounts the key").isBlank();
        assertThat(kubectl.run("-n", "team-a", "get", "configmaps", "-o", "name").strip()).isEqualTo("configmap/kube-root-ca.crt");
        assertThat(kubectl.run("-n", "team-a", "get", "all", "-l", MANAGED, "-o", "name").strip()).isEqualTo("service/web");
        assertThat(kubectl.run("-n", "team-a", "get", "service", "web", "-o", "jsonpath={.spec.type} {.spec.externalName}"))
                .as("an alias of the forwards' Service beside the pods, by cluster DNS")
                .startsWith("ExternalName web-").endsWith("." + PLATFORM + ".svc.cluster.local");
        assertThat(kubectl.run("-n", PLATFORM, "get", "pods", "-l", "sshtunnel.dev/tunnel-namespace=team-a", "-o", "name"))
                .as("the forwarder runs in the bastion's namespace").isNotBlank();
        assertThat(kubectl.run("get", "clustersshbastion", "edge", "-o",
                "jsonpath={range .status.allocations[*]}{.namespace}/{.tunnel}/{.forward} {.bindAddress}:{.port}{end}"))
                .isEqualTo("team-a/web/hook 127.0.0.1:" + remotePort);
        assertThat(kubectl.run("get", "clustersshbastions")).contains("edge").contains("Accepted");

        // Each refusal has its reason, and none of them starts a pod.
        apply(kubectl, yaml(onEdge("team-b", "web", local("echo", Ports.free(), "127.0.0.1", echo.port()))));
        apply(kubectl, yaml(onEdge("team-a", "dup", remote("hook", "127.0.0.1", remotePort, "127.0.0.1", echo.port()))));
        apply(kubectl, yaml(onEdge("team-a", "far", local("db", Ports.free(), "127.0.0.2", echo.port()))));
        apply(kubectl, yaml(onEdge("team-a", "nobind", remote("hook", "127.0.0.1", otherRemotePort, "127.0.0.1", echo.port()))));
        apply(kubectl, yaml(on(BastionKind.ClusterSshBastion, "nowhere", "team-a", "ghost",
                local("echo", Ports.free(), "127.0.0.1", echo.port()))));
        awaitReason(kubectl, "team-b", "web", "BastionNotAllowed");
        awaitReason(kubectl, "team-a", "dup", "PortConflict");
        assertThat(kubectl.run("-n", "team-a", "get", "sshtunnel", "dup", "-o", READY_MESSAGE)).contains("held by team-a/web");
        awaitReason(kubectl, "team-a", "far", "TargetNotAllowed");
        awaitReason(kubectl, "team-a", "nobind", "BindNotAllowed");
        awaitReason(kubectl, "team-a", "ghost", "BastionNotFound");
        for (String refused : List.of("team-b/web", "team-a/dup", "team-a/far", "team-a/nobind", "team-a/ghost")) {
            String[] parts = refused.split("/");
            assertThat(kubectl.run("-n", PLATFORM, "get", "deployments", "-l",
                    "sshtunnel.dev/tunnel-namespace=" + parts[0] + ",sshtunnel.dev/tunnel-name=" + parts[1], "-o", "name"))
                    .as("no forwarder for %s", refused).isBlank();
        }

        // The grant follows the namespace's labels: granted, team-b's tunnel of the same name runs beside team-a's ...
        kubectl.run("label", "namespace", "team-b", "team=a");
        assertThat(kubectl.run("-n", "team-b", "wait", "--for=condition=Ready", "sshtunnel/web", "--timeout=90s"))
                .contains("condition met");
        // ... and revoked, its forwarder stops: the pods no longer hold the bastion's key for it.
        kubectl.run("label", "namespace", "team-b", "team-");
        awaitReason(kubectl, "team-b", "web", "BastionNotAllowed");
        await().atMost(Duration.ofSeconds(60)).until(() -> kubectl.run("-n", PLATFORM, "get", "deployments,pods", "-l",
                "sshtunnel.dev/tunnel-namespace=team-b", "-o", "name").isBlank());

        // Deleting the tunnel removes its objects in the bastion's namespace (the finalizer) and frees its bind,
        // which the next tunnel in line gets.
        kubectl.run("-n", "team-a", "delete", "sshtunnel", "web", "--timeout=60s");
        await().atMost(Duration.ofSeconds(60)).until(() -> kubectl.run("-n", PLATFORM, "get",
                "deployments,configmaps,networkpolicies,pods", "-l", "sshtunnel.dev/tunnel-namespace=team-a,sshtunnel.dev/tunnel-name=web",
                "-o", "name").isBlank());
        assertThat(kubectl.run("-n", "team-a", "wait", "--for=condition=Ready", "sshtunnel/dup", "--timeout=90s"))
                .contains("condition met");
        try (Socket remote = new Socket("127.0.0.1", remotePort)) {
            assertThat(roundTrip(remote, "the next holder")).isEqualTo("the next holder");
        }

        // Deleting the namespace removes what its tunnels made elsewhere.
        kubectl.run("label", "namespace", "team-b", "team=a");
        kubectl.run("-n", "team-b", "wait", "--for=condition=Ready", "sshtunnel/web", "--timeout=90s");
        kubectl.run("delete", "namespace", "team-b", "--timeout=90s");
        await().atMost(Duration.ofSeconds(60)).until(() -> kubectl.run("-n", PLATFORM, "get", "deployments,configmaps,pods",
                "-l", "sshtunnel.dev/tunnel-namespace=team-b", "-o", "name").isBlank());

        // Deleting the bastion removes every tunnel's forwarder (owner references) and says so in each tunnel.
        kubectl.run("delete", "clustersshbastion", "edge");
        await().atMost(Duration.ofSeconds(60)).until(() -> kubectl.run("-n", PLATFORM, "get", "deployments,configmaps,pods",
                "-l", MANAGED, "-o", "name").isBlank());
        awaitReason(kubectl, "team-a", "dup", "BastionNotFound");
        // RBAC refusals read "is forbidden: User ..."; a namespace being deleted refuses new objects with another 403.
        assertThat(sandbox.read()).as("no request of the operator refused by RBAC").doesNotContain("is forbidden: User");
    }

    @Test
    void aNamespacesOwnBastionServesItsOwnTunnelsOnly() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        sandbox = sandboxes.start("namespaced-sandbox");
        Kubectl kubectl = sandbox.kubectl();
        kubectl.run("create", "namespace", "team-a");
        kubectl.run("create", "namespace", "team-b");
        kubectl.run("-n", "team-a", "create", "secret", "generic", "own-key", "--from-file=id_ed25519=" + key);
        assertThat(kubectl.attempt(namespacedBastion(sshd), "apply", "-f", "-").out())
                .contains("sshbastion.sshtunnel.dev/own created");
        int localPort = Ports.free();
        apply(kubectl, yaml(on(BastionKind.SshBastion, "own", "team-a", "mine", local("echo", localPort, "127.0.0.1", echo.port()))));
        assertThat(kubectl.run("-n", "team-a", "wait", "--for=condition=Ready", "sshtunnel/mine", "--timeout=90s"))
                .as(sandbox::read).contains("condition met");
        try (Socket local = new Socket("127.0.0.1", localPort)) {
            assertThat(roundTrip(local, "own bastion")).isEqualTo("own bastion");
        }
        assertThat(kubectl.run("-n", "team-a", "get", "pods", "-l", "app.kubernetes.io/instance=mine", "-o", "name"))
                .as("an SshBastion's tunnels run in its own namespace").isNotBlank();
        // Another namespace cannot name it: an SshBastion is looked up in the tunnel's own namespace.
        apply(kubectl, yaml(on(BastionKind.SshBastion, "own", "team-b", "theirs",
                local("echo", Ports.free(), "127.0.0.1", echo.port()))));
        awaitReason(kubectl, "team-b", "theirs", "BastionNotFound");
        await().atMost(Duration.ofSeconds(30)).until(() -> kubectl.run("-n", "team-a", "get", "sshbastion", "own", "-o",
                "jsonpath={.status.tunnels}"), "1"::equals);
    }

    private static void apply(Kubectl kubectl, String manifest) {
        Kubectl.Result result = kubectl.attempt(manifest, "apply", "-f", "-");
        assertThat(result.exitCode()).as(result.err()).isZero();
    }

    private static void awaitReason(Kubectl kubectl, String namespace, String name, String reason) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("-n", namespace, "get", "sshtunnel", name, "-o", READY_REASON), reason::equals);
    }

    private static String bastion(OpenSshServer sshd, int echoPort, int remotePort) {
        return """
                apiVersion: sshtunnel.dev/v1alpha1
                kind: ClusterSshBastion
                metadata: {name: edge}
                spec:
                  ssh:
                    host: 127.0.0.1
                    port: %d
                    user: %s
                    privateKeySecretRef: {name: edge-key, key: id_ed25519}
                    hostKey: {knownHosts: "%s"}
                    reconnect: {minBackoffSeconds: 1, maxBackoffSeconds: 2}
                  allowedNamespaces:
                    from: Selector
                    selector: {matchLabels: {team: a}}
                  remote:
                    bindAddresses: [127.0.0.1]
                    ports: ["%d"]
                  local:
                    targets: ["127.0.0.1:%d"]
                """.formatted(sshd.port(), sshd.user(), sshd.knownHostsLine(), remotePort, echoPort);
    }

    private static String namespacedBastion(OpenSshServer sshd) {
        return """
                apiVersion: sshtunnel.dev/v1alpha1
                kind: SshBastion
                metadata: {name: own, namespace: team-a}
                spec:
                  ssh:
                    host: 127.0.0.1
                    port: %d
                    user: %s
                    privateKeySecretRef: {name: own-key, key: id_ed25519}
                    hostKey: {knownHosts: "%s"}
                """.formatted(sshd.port(), sshd.user(), sshd.knownHostsLine());
    }

    /** A tenant's tunnel on ClusterSshBastion edge. */
    private static SshTunnel onEdge(String namespace, String name, ForwardSpec... forwards) {
        return on(BastionKind.ClusterSshBastion, "edge", namespace, name, forwards);
    }

    private static SshTunnel on(BastionKind kind, String bastion, String namespace, String name, ForwardSpec... forwards) {
        return TunnelFixtures.asWrittenOnBastion(namespace, name, kind, bastion, forwards);
    }

    private static String roundTrip(Socket socket, String text) throws Exception {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write((text + "\n").getBytes(StandardCharsets.UTF_8));
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.append((char) b);
        }
        return line.toString();
    }
}
