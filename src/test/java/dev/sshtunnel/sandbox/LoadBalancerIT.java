package dev.sshtunnel.sandbox;

import static dev.sshtunnel.testing.TunnelFixtures.localTunnel;
import static dev.sshtunnel.testing.TunnelFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.NetworkNamespace;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.PackagedJar;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.SandboxExtension;
import dev.sshtunnel.testing.SandboxProcess;

/**
 * {@code type: LoadBalancer} Services of class sshtunnel.dev/ssh on the sandbox (real control plane with its garbage
 * collector, the packaged operator as its ServiceAccount under deploy/'s RBAC and admission policy, kubectl, a real sshd
 * as the VPS): the Service gets the bastion's address as its ingress, the sshd listens on the Service's port and bytes
 * sent there reach what the Service selects and come back; a standby takes the port over when the serving pod goes,
 * with the ingress kept; refusals reach the Service (condition, event); Services of another class, or of none, are not
 * touched; deleting the Service closes the port and removes its tunnel.
 * <p>
 * What the Service selects here is another tunnel's forwarder pods (a Local forward to an echo server through the same
 * sshd): the sandbox's node runs only the operator's image. Its Service is reached by its cluster DNS name, as the
 * generated tunnel's {@code target.service} asks, through the sandbox's hosts file and Service relays.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class LoadBalancerIT {

    /** The VPS' public address: only ever written to status, never connected to. */
    private static final String EXTERNAL = "203.0.113.7";
    /** Where the VPS binds the Service ports: another loopback address than the sandbox's Service relays (127.0.0.1). */
    private static final String BIND = "127.0.0.3";
    private static final String PLATFORM = "sshtunnel-system";
    private static final String CONDITION = "sshtunnel.dev/TunnelReady";
    private static final String CONDITION_REASON = "jsonpath={.status.conditions[?(@.type==\"" + CONDITION + "\")].reason}";
    private static final String INGRESS = "jsonpath={.status.loadBalancer.ingress[*].ip}";

    @RegisterExtension
    final SandboxExtension sandboxes = new SandboxExtension();

    @Test
    void aServiceOfTheClassIsServedOnTheVpsAndEveryOtherServiceIsLeftAlone() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd("vps", key, "GatewayPorts clientspecified", "ClientAliveInterval 15");
        EchoServer echo = sandboxes.echo();
        SandboxProcess sandbox = sandboxes.start("sandbox");
        Kubectl kubectl = sandbox.kubectl();
        sandbox.keySecret(key);
        kubectl.run("-n", PLATFORM, "create", "secret", "generic", "edge-key", "--from-file=id_ed25519=" + key);
        int port = Ports.free();
        int backendPort = Ports.free();
        int ungranted = Ports.free();
        String edge = bastion("edge", "127.0.0.1", sshd, sshd.user(), BIND, Integer.toString(port), EXTERNAL);
        assertThat(kubectl.attempt(edge, "apply", "-f", "-").out()).contains("clustersshbastion.sshtunnel.dev/edge created");

        // What the Service selects: the pods of a tunnel whose Local forward reaches the echo server.
        assertThat(kubectl.attempt(yaml(localTunnel("backend", sshd, backendPort, echo.port())), "apply", "-f", "-").exitCode()).isZero();
        assertThat(kubectl.run("wait", "--for=condition=Ready", "sshtunnel/backend", "--timeout=90s")).as(sandbox::read)
                .contains("condition met");

        assertThat(kubectl.attempt(service("web", "sshtunnel.dev/ssh", "TCP", port, backendPort), "apply", "-f", "-").exitCode()).isZero();
        assertThat(kubectl.attempt(service("metallb", "example.com/metallb", "TCP", Ports.free(), backendPort), "apply", "-f", "-")
                .exitCode()).isZero();
        assertThat(kubectl.attempt(service("classless", null, "TCP", Ports.free(), backendPort), "apply", "-f", "-").exitCode()).isZero();
        assertThat(kubectl.attempt(service("dns", "sshtunnel.dev/ssh", "UDP", Ports.free(), backendPort), "apply", "-f", "-")
                .exitCode()).isZero();
        assertThat(kubectl.attempt(service("nogrant", "sshtunnel.dev/ssh", "TCP", ungranted, backendPort), "apply", "-f", "-")
                .exitCode()).isZero();

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "service", "web", "-o", INGRESS), EXTERNAL::equals);
        assertThat(kubectl.run("get", "service", "web", "-o", "jsonpath={.status.loadBalancer.ingress[0].ipMode} "
                + "{.status.loadBalancer.ingress[0].ports[0].port}")).isEqualTo("Proxy " + port);
        assertThat(kubectl.run("get", "service", "web")).as("kubectl shows the VPS as the EXTERNAL-IP").contains(EXTERNAL);
        assertThat(kubectl.run("get", "service", "web", "-o", CONDITION_REASON)).isEqualTo("Connected");
        assertThat(kubectl.run("get", "sshtunnel", "web-lb", "-o", "jsonpath={.spec.replicas} {.spec.bastionRef.name} "
                + "{.spec.forwards[0].type} {.spec.forwards[0].bindAddress}:{.spec.forwards[0].port} {.spec.forwards[0].target.service} "
                + "{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}"))
                .isEqualTo("2 edge Remote " + BIND + ":" + port + " web Service/web");
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> echoes(port));
        try (Socket client = new Socket(BIND, port)) {
            assertThat(roundTrip(client, "through the VPS to the Service")).isEqualTo("through the VPS to the Service");
        }

        // Refusals reach the Service: its condition and an event, and no tunnel.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "service", "dns", "-o", CONDITION_REASON), "ProtocolNotSupported"::equals);
        assertThat(kubectl.run("get", "events", "--field-selector", "involvedObject.kind=Service,involvedObject.name=dns",
                "-o", "jsonpath={.items[*].reason}: {.items[*].message}")).contains("ProtocolNotSupported").contains("TCP only");
        assertThat(kubectl.attempt("", "get", "sshtunnel", "dns-lb").exitCode()).isNotZero();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "service", "nogrant", "-o", CONDITION_REASON), "BindNotAllowed"::equals);
        assertThat(kubectl.run("get", "service", "nogrant", "-o", INGRESS)).isEmpty();
        assertThat(kubectl.run("get", "events", "--field-selector", "involvedObject.kind=Service,involvedObject.name=nogrant",
                "-o", "jsonpath={.items[*].reason}")).contains("BindNotAllowed");

        // Services of another class, or of none, are exactly as they were written.
        for (String other : new String[] {"metallb", "classless"}) {
            assertThat(kubectl.run("get", "service", other, "-o", "jsonpath={.status}")).as(other).isIn("", "{\"loadBalancer\":{}}");
            assertThat(kubectl.run("get", "service", other, "-o", "jsonpath={.metadata.managedFields[*].manager}"))
                    .as(other).doesNotContain("sshtunnel");
            assertThat(kubectl.attempt("", "get", "sshtunnel", other + "-lb").exitCode()).as(other).isNotZero();
            assertThat(kubectl.run("get", "events", "--field-selector", "involvedObject.kind=Service,involvedObject.name=" + other,
                    "-o", "jsonpath={range .items[*]}{.source.component}: {.reason} {.message}{\"\\n\"}{end}"))
                    .as(other).doesNotContain("sshtunnel");
        }

        // The serving pod goes: the standby takes the port over, and the Service keeps its address throughout.
        String serving = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "sshtunnel", "web-lb", "-o", "jsonpath={.status.forwards[0].servingPod}"), n -> !n.isBlank());
        assertThat(kubectl.run("-n", PLATFORM, "get", "deployments", "-l", "sshtunnel.dev/tunnel-name=web-lb",
                "-o", "jsonpath={.items[0].status.readyReplicas}")).isEqualTo("2");
        kubectl.run("-n", PLATFORM, "delete", "pod", serving, "--wait=false");
        long deleted = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> !echoes(port));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> echoes(port));
        long gap = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - deleted);
        for (int i = 0; i < 10; i++) {
            assertThat(kubectl.run("get", "service", "web", "-o", INGRESS)).as("the ingress stays while the standby takes over")
                    .isEqualTo(EXTERNAL);
            Thread.sleep(500);
        }
        Files.createDirectories(PackagedJar.IT_LOGS);
        Files.writeString(PackagedJar.IT_LOGS.resolve("LoadBalancerIT-failover.txt"),
                "kubectl delete pod (serving) until the Service port echoed again on the VPS: " + gap + " ms\n");
        assertThat(gap).as("the standby serves the port again within 3 s").isLessThan(3_000);

        // Deleting the Service closes the port on the VPS and removes its tunnel (owner reference).
        kubectl.run("delete", "service", "web");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.attempt("", "get", "sshtunnel", "web-lb").exitCode() != 0);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> !listening(port));
        await().atMost(Duration.ofSeconds(60)).until(() -> kubectl.run("-n", PLATFORM, "get", "deployments", "-l",
                "sshtunnel.dev/tunnel-name=web-lb", "-o", "name").isBlank());
        assertThat(sandbox.read()).as("no request of the operator refused by RBAC or its admission policy")
                .doesNotContain("is forbidden").doesNotContain("denied request");
    }

    /**
     * Ports below 1024, the way docs/load-balancer.md recommends: the VPS lets unprivileged users bind from 443 up
     * ({@code net.ipv4.ip_unprivileged_port_start}), and the tunnel logs in as an unprivileged user (here {@code nobody}),
     * never as root. The VPS is an sshd in a network namespace of the test's own, whose sysctl is its own. Before the
     * sysctl the Service reports the server's refusal; after it, port 443 serves; 442 stays refused.
     */
    @Test
    void anUnprivilegedVpsUserServesPort443OnceTheVpsLetsUsersBindIt() throws Exception {
        assertThat(ProcessHandle.current().info().user().orElse("")).as("network namespaces need root (CI runs as root)").isEqualTo("root");
        Path key = sandboxes.key();
        OpenSshServer backendSshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        try (NetworkNamespace vps = NetworkNamespace.create()) {
            // sshd reads authorized_keys as the user logging in: nobody must be able to reach the file.
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "sshtunnel-vps-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            OpenSshServer sshd = OpenSshServer.startIn(vps.exec(), vps.address(), 2222, dir.resolve("sshd"),
                    List.of(Keys.publicKey(key)), "GatewayPorts clientspecified", "ClientAliveInterval 15", "AllowUsers nobody");
            Files.setPosixFilePermissions(dir.resolve("sshd"), PosixFilePermissions.fromString("rwxr-xr-x"));
            try {
                SandboxProcess sandbox = sandboxes.start("low-ports-sandbox");
                Kubectl kubectl = sandbox.kubectl();
                sandbox.keySecret(key);
                kubectl.run("-n", PLATFORM, "create", "secret", "generic", "edge-key", "--from-file=id_ed25519=" + key);
                int backendPort = Ports.free();
                assertThat(kubectl.attempt(yaml(localTunnel("backend", backendSshd, backendPort, echo.port())), "apply", "-f", "-")
                        .exitCode()).isZero();
                String unprivileged = bastion("vps", vps.address(), sshd, "nobody", "0.0.0.0", "442-443", "203.0.113.8");
                assertThat(kubectl.attempt(unprivileged, "apply", "-f", "-").exitCode()).isZero();
                assertThat(kubectl.attempt(service("https", "sshtunnel.dev/ssh", "TCP", 443, backendPort), "apply", "-f", "-")
                        .exitCode()).isZero();

                // The VPS as installed: only root binds below 1024, and the Service says the server refused.
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> kubectl.run("get", "service", "https", "-o", CONDITION_REASON), "RemotePortInUse"::equals);
                assertThat(kubectl.run("get", "service", "https", "-o", INGRESS)).isEmpty();
                assertThat(kubectl.run("get", "service", "https", "-o",
                        "jsonpath={.status.conditions[?(@.type==\"" + CONDITION + "\")].message}"))
                        .as("the refusal names the likely cause").contains("below 1024").contains("ip_unprivileged_port_start");

                vps.run("sysctl", "-w", "net.ipv4.ip_unprivileged_port_start=443");
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> kubectl.run("get", "service", "https", "-o", INGRESS), "203.0.113.8"::equals);
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> echoes(vps.address(), 443));
                assertThat(Files.readString(dir.resolve("sshd/sshd.log"))).contains("Accepted publickey for nobody");

                assertThat(kubectl.attempt(service("below", "sshtunnel.dev/ssh", "TCP", 442, backendPort), "apply", "-f", "-")
                        .exitCode()).isZero();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> kubectl.run("get", "service", "below", "-o", CONDITION_REASON), "RemotePortInUse"::equals);
                assertThat(kubectl.run("get", "service", "below", "-o", INGRESS)).isEmpty();
            } finally {
                sshd.close();
                try (var files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    /** A ClusterSshBastion serving LoadBalancer Services (default), granted to every namespace, its key in edge-key. */
    private static String bastion(String name, String host, OpenSshServer sshd, String user, String bindAddress, String ports,
            String external) {
        return """
                apiVersion: sshtunnel.dev/v1alpha1
                kind: ClusterSshBastion
                metadata: {name: %s}
                spec:
                  ssh:
                    host: %s
                    port: %d
                    user: %s
                    privateKeySecretRef: {name: edge-key, key: id_ed25519}
                    hostKey: {knownHosts: "%s"}
                    reconnect: {minBackoffSeconds: 1, maxBackoffSeconds: 2}
                  allowedNamespaces: {from: All}
                  remote:
                    bindAddresses: [%s]
                    ports: ["%s"]
                  loadBalancer:
                    externalAddress: %s
                    bindAddress: %s
                    default: true
                """.formatted(name, host, sshd.port(), user, sshd.knownHostsLine(), bindAddress, ports, external, bindAddress);
    }

    /** A LoadBalancer Service selecting the backend tunnel's pods; {@code loadBalancerClass} null: none. */
    private static String service(String name, String loadBalancerClass, String protocol, int port, int targetPort) {
        return """
                apiVersion: v1
                kind: Service
                metadata: {name: %s}
                spec:
                  type: LoadBalancer
                  %s
                  selector: {app.kubernetes.io/name: sshtunnel-forwarder, app.kubernetes.io/instance: backend}
                  ports: [{name: app, protocol: %s, port: %d, targetPort: %d}]
                """.formatted(name, loadBalancerClass == null ? "" : "loadBalancerClass: " + loadBalancerClass, protocol, port, targetPort);
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(BIND, port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean echoes(int port) {
        return echoes(BIND, port);
    }

    private static boolean echoes(String address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 1_000);
            socket.setSoTimeout(1_000);
            return "ping".equals(roundTrip(socket, "ping"));
        } catch (IOException e) {
            return false;
        }
    }

    private static String roundTrip(Socket socket, String text) throws IOException {
        if (socket.getSoTimeout() == 0) {
            socket.setSoTimeout(10_000); // the first channel through a fresh session may take a while on a busy machine
        }
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
