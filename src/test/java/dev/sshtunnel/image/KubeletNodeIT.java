package dev.sshtunnel.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sshtunnel.operator.dependent.ForwarderDeploymentDependent;
import dev.sshtunnel.operator.dependent.ForwarderLabels;
import dev.sshtunnel.sandbox.Sandbox;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.KubeletNode;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.RealCluster;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * The image users pull, run as a cluster runs it: the OCI archive the Maven build wrote
 * (target/image), imported into containerd and started by a real kubelet (same release as the
 * control plane) on the real API server, with deploy/'s manifests as users apply them. The operator
 * container reconciles a tunnel with Local, Dynamic and Remote forwards to OpenSSH inside the node's
 * network namespace; the forwarder container it creates is checked from the host, in its running
 * process: non-root uid/gid 185, no capabilities, no_new_privs, seccomp filter, read-only root, Secret
 * files 0400 with group 185, its memory limit. Then traffic through all three forwards, 2,000 channels
 * held under the 256Mi limit, and SIGTERM from the runtime ending it with exit code 0 inside its grace
 * period. Start time and memory are printed (docs/image.md quotes them). Last, the node's Service networking
 * (kube-proxy and cluster DNS) from a pod: a ClusterIP Service by its DNS name, to its pod and back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class KubeletNodeIT {

    private static final Path IMAGE_DIR = Path.of("target/image");
    private static final String DEPLOYED_IMAGE = "ghcr.io/sshtunnel-dev/sshtunnel-operator:0.1.0";
    private static final String NAMESPACE = "apps";
    private static final String TUNNEL = "edge";
    private static final int SSH_PORT = 2222;
    private static final int ECHO_PORT = 7007;
    private static final int LOCAL_PORT = 7000;
    private static final int SOCKS_PORT = 1080;
    private static final int REMOTE_PORT = 7100;
    private static final int CHANNELS = 2_000;
    private static final int SERVICE_PORT = 7;
    private static final int BACKEND_PORT = 7007;
    private static final int LB_PORT = 7200;

    private Path work;
    private KubeletNode node;
    private OpenSshServer sshd;
    private Process echo;
    private Kubectl kubectl;
    private String image;

    @BeforeAll
    void startNode() throws Exception {
        JsonNode built = new ObjectMapper().readTree(IMAGE_DIR.resolve("image.json").toFile());
        image = built.get("image").asText();
        Path archive;
        try (var files = Files.list(IMAGE_DIR)) {
            archive = files.filter(f -> f.getFileName().toString().endsWith(".oci.tar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no OCI archive in " + IMAGE_DIR + ": run ./mvnw package"));
        }
        work = Files.createTempDirectory(Files.createDirectories(Path.of("target/kubelet-node").toAbsolutePath()), "node-");
        RealCluster.ensureStarted();
        kubectl = new Kubectl(RealCluster.adminKubeconfig());
        node = KubeletNode.start(RealCluster.binaries(), URI.create(RealCluster.url()), RealCluster.caPem(),
                Sandbox.NODE_NAME, RealCluster.nodeToken(), RealCluster.serviceProxyToken(), work, List.of(archive));
        node.awaitReady(RealCluster.admin(), Sandbox.NODE_NAME);

        Path keys = Files.createDirectories(work.resolve("keys"));
        Path clientKey = Keys.generate(keys, "id_ed25519", "ed25519", false, null);
        sshd = OpenSshServer.startIn(node.exec(), KubeletNode.NODE_IP, SSH_PORT, work.resolve("sshd"),
                List.of(Keys.publicKey(clientKey)));
        echo = inNode(List.of("echo", "0.0.0.0", Integer.toString(ECHO_PORT)));
        String listening = new BufferedReader(new InputStreamReader(echo.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(listening).isEqualTo("listening");

        RealCluster.namespace(NAMESPACE);
        kubectl.run("-n", NAMESPACE, "create", "secret", "generic", "bastion-key",
                "--from-file=id_ed25519=" + clientKey);
    }

    @AfterAll
    void stopNode() throws Exception {
        if (echo != null) {
            echo.destroyForcibly();
        }
        if (sshd != null) {
            sshd.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    @Order(1)
    void operatorContainerRunsAsDeployedWithItsProbes() throws Exception {
        String manifests = kubectl.run("kustomize", "deploy").replace(DEPLOYED_IMAGE, image);
        assertThat(manifests).contains("image: " + image);
        Kubectl.Result applied = kubectl.attempt(manifests, "apply", "--server-side", "--force-conflicts", "-f", "-");
        assertThat(applied.exitCode()).as(applied.err()).isZero();
        kubectl.run("-n", Sandbox.OPERATOR_NAMESPACE, "rollout", "status", "deployment/sshtunnel-operator", "--timeout=180s");

        Pod operator = onlyPod(Sandbox.OPERATOR_NAMESPACE, "app.kubernetes.io/name=sshtunnel-operator");
        ContainerStatus status = operator.getStatus().getContainerStatuses().get(0);
        assertThat(status.getReady()).isTrue();
        assertThat(status.getStarted()).isTrue();
        assertThat(status.getRestartCount()).isZero();
        assertThat(status.getImage()).isEqualTo(image);
        var container = operator.getSpec().getContainers().get(0);
        assertThat(container.getStartupProbe().getHttpGet().getPath()).isEqualTo("/q/health/started");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertRestricted(node.pidOf(status.getContainerID()));
    }

    @Test
    @Order(2)
    void forwarderContainerReadsItsSecretsAsNonRootAndServesEveryForwardType() throws Exception {
        Instant applied = Instant.now();
        Kubectl.Result result = kubectl.attempt("""
                apiVersion: sshtunnel.dev/v1alpha1
                kind: SshTunnel
                metadata: {name: %s, namespace: %s}
                spec:
                  ssh:
                    host: %s
                    port: %d
                    user: %s
                    privateKeySecretRef: {name: bastion-key, key: id_ed25519}
                    hostKey:
                      knownHosts: |
                        %s
                  forwards:
                    - {name: db, type: Local, port: %d, target: {host: 127.0.0.1, port: %d}}
                    - {name: socks, type: Dynamic, port: %d}
                    - {name: hooks, type: Remote, bindAddress: 127.0.0.1, port: %d, target: {host: %s, port: %d}}
                """.formatted(TUNNEL, NAMESPACE, KubeletNode.NODE_IP, SSH_PORT, sshd.user(), sshd.knownHostsLine(),
                LOCAL_PORT, ECHO_PORT, SOCKS_PORT, REMOTE_PORT, KubeletNode.NODE_IP, ECHO_PORT),
                "apply", "--server-side", "-f", "-");
        assertThat(result.exitCode()).as(result.err()).isZero();
        kubectl.run("-n", NAMESPACE, "wait", "--for=condition=Ready", "sshtunnel/" + TUNNEL, "--timeout=180s");

        Pod forwarder = forwarderPod();
        ContainerStatus status = forwarder.getStatus().getContainerStatuses().get(0);
        assertThat(status.getReady()).as("the kubelet's readiness probe passed").isTrue();
        assertThat(status.getImage()).isEqualTo(image);
        long pid = node.pidOf(status.getContainerID());
        assertRestricted(pid);

        // The Secret as the kubelet mounted it for this pod: defaultMode 0400, to which the kubelet adds group
        // read for the fsGroup (185) — 0440, root's file, readable by uid 185 through its group, by no other.
        Path key = Path.of("/proc/" + pid + "/root" + ForwarderDeploymentDependent.SECRETS_DIR + "/bastion-key/id_ed25519");
        PosixFileAttributes attributes = Files.readAttributes(key, PosixFileAttributes.class);
        assertThat(PosixFilePermissions.toString(attributes.permissions())).isEqualTo("r--r-----");
        assertThat(Files.getAttribute(key, "unix:uid")).isEqualTo(0);
        assertThat(Files.getAttribute(key, "unix:gid")).isEqualTo(185);
        assertThat(Files.readString(key)).contains("OPENSSH PRIVATE KEY");

        String podIp = forwarder.getStatus().getPodIP();
        assertThat(traffic("roundtrip", podIp, Integer.toString(LOCAL_PORT))).isEqualTo("ok");
        assertThat(traffic("roundtrip", podIp, Integer.toString(SOCKS_PORT), KubeletNode.NODE_IP, Integer.toString(ECHO_PORT)))
                .isEqualTo("ok");
        assertThat(traffic("roundtrip", "127.0.0.1", Integer.toString(REMOTE_PORT))).isEqualTo("ok");

        Memory memory = Memory.of(pid);
        assertThat(memory.limit()).isEqualTo(256L << 20);
        Instant started = Instant.parse(status.getState().getRunning().getStartedAt());
        Instant ready = forwarder.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready"))
                .map(c -> Instant.parse(c.getLastTransitionTime())).findFirst().orElseThrow();
        System.out.printf("forwarder container: started %s after the apply, Ready %s after its start (1 s resolution);"
                + " idle memory.usage %d KiB, rss %d KiB, limit %d KiB%n",
                Duration.between(applied, started), Duration.between(started, ready),
                memory.usage() >> 10, memory.rss() >> 10, memory.limit() >> 10);
    }

    @Test
    @Order(3)
    void forwarderHoldsTwoThousandChannelsUnderItsMemoryLimit() throws Exception {
        Pod forwarder = forwarderPod();
        ContainerStatus before = forwarder.getStatus().getContainerStatuses().get(0);
        long pid = node.pidOf(before.getContainerID());
        Process hold = inNode(List.of("hold", forwarder.getStatus().getPodIP(), Integer.toString(LOCAL_PORT),
                Integer.toString(CHANNELS)));
        try (BufferedReader out = new BufferedReader(new InputStreamReader(hold.getInputStream(), StandardCharsets.UTF_8));
                Writer in = new OutputStreamWriter(hold.getOutputStream(), StandardCharsets.UTF_8)) {
            assertThat(out.readLine()).isEqualTo("opened " + CHANNELS);
            Memory held = Memory.of(pid);
            in.write("check\n");
            in.flush();
            assertThat(out.readLine()).isEqualTo("alive " + CHANNELS);
            Memory after = Memory.of(pid);
            System.out.printf("%d channels held: memory.usage %d KiB, rss %d KiB, peak %d KiB of %d KiB%n", CHANNELS,
                    held.usage() >> 10, held.rss() >> 10, after.peak() >> 10, after.limit() >> 10);
            assertThat(after.peak()).isLessThan(after.limit());
        } finally {
            hold.destroy();
            hold.waitFor(10, TimeUnit.SECONDS);
        }
        ContainerStatus now = forwarderPod().getStatus().getContainerStatuses().get(0);
        assertThat(now.getContainerID()).isEqualTo(before.getContainerID());
        assertThat(now.getRestartCount()).as("no OOM kill, no restart").isZero();
        assertThat(now.getLastState().getTerminated()).isNull();
    }

    @Test
    @Order(4)
    void sigtermFromTheRuntimeEndsTheForwarderWithExitCodeZeroInsideItsGracePeriod() throws Exception {
        Pod forwarder = forwarderPod();
        String id = forwarder.getStatus().getContainerStatuses().get(0).getContainerID().replaceFirst("^containerd://", "");
        long grace = forwarder.getSpec().getTerminationGracePeriodSeconds();
        Path events = work.resolve("containerd-events.log");
        Process follow = node.followEvents(events);
        try {
            Thread.sleep(500);
            Instant deleted = Instant.now();
            kubectl.run("-n", NAMESPACE, "delete", "pod", forwarder.getMetadata().getName(), "--wait=false");
            Pattern exit = Pattern.compile("/tasks/exit \\{\"container_id\":\"" + id + "\",\"id\":\"" + id + "\".*");
            Matcher matched = null;
            while (matched == null && Duration.between(deleted, Instant.now()).getSeconds() < grace + 10) {
                for (String line : Files.readAllLines(events)) {
                    Matcher m = exit.matcher(line);
                    if (m.find()) {
                        matched = m;
                    }
                }
                Thread.sleep(100);
            }
            assertThat(matched).as("containerd reported the container's exit; events:\n%s",
                    Files.readString(events)).isNotNull();
            Duration stopped = Duration.between(deleted, Instant.now());
            String event = matched.group();
            // containerd leaves a zero exit_status out of the event.
            assertThat(event).doesNotContain("\"exit_status\":");
            assertThat(stopped).isLessThan(Duration.ofSeconds(grace));
            System.out.printf("SIGTERM: exit code 0 within %s of the delete (grace period %d s)%n", stopped, grace);
        } finally {
            follow.destroy();
        }
    }

    @Test
    @Order(5)
    void podReachesAClusterIpServiceByItsDnsNameAndIsRefusedWhenItHasNoReadyPod() throws Exception {
        Instant begun = Instant.now();
        String name = "echo";
        apply(new ObjectMapper().writeValueAsString(echoDeployment(name)));
        apply("""
                apiVersion: v1
                kind: Service
                metadata: {name: %s, namespace: %s}
                spec:
                  selector: {app: %s}
                  ports: [{port: %d, targetPort: %d}]
                """.formatted(name, NAMESPACE, name, SERVICE_PORT, BACKEND_PORT));
        kubectl.run("-n", NAMESPACE, "rollout", "status", "deployment/" + name, "--timeout=120s");
        String podIp = onlyPod(NAMESPACE, "app=" + name).getStatus().getPodIP();
        String clusterIp = node.awaitService(NAMESPACE, name, 1);
        assertThat(clusterIp).startsWith("10.96.");

        // The full name, the short one the operator renders for a forward's target.service, and an ExternalName
        // alias of it as the operator makes for a tenant.
        String fqdn = KubeletNode.serviceDnsName(NAMESPACE, name);
        String rendered = dev.sshtunnel.operator.tenancy.ResolvedTunnel.serviceHost(name, NAMESPACE);
        apply("""
                apiVersion: v1
                kind: Service
                metadata: {name: %s-alias, namespace: %s}
                spec: {type: ExternalName, externalName: %s}
                """.formatted(name, NAMESPACE, rendered));
        String alias = KubeletNode.serviceDnsName(NAMESPACE, name + "-alias");
        node.awaitDnsRecord(alias, clusterIp);
        ClientRun reached = runClient("echo-client", String.join(",", fqdn + ":" + SERVICE_PORT,
                rendered + ":" + SERVICE_PORT, alias + ":" + SERVICE_PORT));
        assertThat(reached.phase()).as(reached.log()).isEqualTo("Succeeded");
        assertThat(reached.log()).contains("echo: " + fqdn + " resolved to " + clusterIp,
                "echo: 65536 bytes echoed by " + clusterIp + ":" + SERVICE_PORT + " via " + fqdn,
                "echo: 65536 bytes echoed by " + clusterIp + ":" + SERVICE_PORT + " via " + rendered,
                "echo: 65536 bytes echoed by " + clusterIp + ":" + SERVICE_PORT + " via " + alias);
        assertThat(node.iptablesSave()).contains(podIp + ":" + BACKEND_PORT);

        kubectl.run("-n", NAMESPACE, "scale", "deployment/" + name, "--replicas=0");
        node.awaitService(NAMESPACE, name, 0);
        ClientRun refused = runClient("echo-client-refused", fqdn + ":" + SERVICE_PORT);
        assertThat(refused.phase()).as(refused.log()).isEqualTo("Failed");
        assertThat(refused.log()).contains("echo: " + fqdn + " resolved to " + clusterIp,
                "echo: FAILED: connect " + clusterIp + ":" + SERVICE_PORT, "connection refused");

        kubectl.run("-n", NAMESPACE, "delete", "deployment/" + name, "service/" + name, "service/" + name + "-alias",
                "pod/echo-client", "pod/echo-client-refused", "--wait=false");
        System.out.printf("Service networking: pod -> %s -> %s -> pod %s and back, then refused with no ready pod, in %s%n",
                fqdn, clusterIp, podIp, Duration.between(begun, Instant.now()));
    }

    /**
     * A LoadBalancer Service of class sshtunnel.dev/ssh on the real node, with the operator running as deploy/ runs it
     * (test 1: its image, RBAC and admission policy): the generated tunnel's two forwarder pods run here, the node's
     * sshd (the VPS) listens on the Service port, and bytes sent there reach the Service's pod through the forwarder,
     * cluster DNS (target.service) and kube-proxy, and come back; the Service shows the VPS as its ingress.
     */
    @Test
    @Order(6)
    void aLoadBalancerServiceIsServedOnTheVpsThroughItsClusterIp() throws Exception {
        Instant begun = Instant.now();
        String name = "lb-echo";
        apply("""
                apiVersion: sshtunnel.dev/v1alpha1
                kind: ClusterSshBastion
                metadata: {name: node-vps}
                spec:
                  credentialsNamespace: %s
                  ssh:
                    host: %s
                    port: %d
                    user: %s
                    privateKeySecretRef: {name: bastion-key, key: id_ed25519}
                    hostKey: {knownHosts: "%s"}
                  allowedNamespaces: {from: All}
                  remote: {bindAddresses: [127.0.0.1], ports: ["%d"]}
                  loadBalancer: {externalAddress: 203.0.113.7, bindAddress: 127.0.0.1, default: true}
                """.formatted(NAMESPACE, KubeletNode.NODE_IP, SSH_PORT, sshd.user(), sshd.knownHostsLine(), LB_PORT));
        apply(new ObjectMapper().writeValueAsString(echoDeployment(name)));
        apply("""
                apiVersion: v1
                kind: Service
                metadata: {name: %s, namespace: %s}
                spec:
                  type: LoadBalancer
                  loadBalancerClass: sshtunnel.dev/ssh
                  selector: {app: %s}
                  ports: [{name: echo, port: %d, targetPort: %d}]
                """.formatted(name, NAMESPACE, name, LB_PORT, BACKEND_PORT));
        kubectl.run("-n", NAMESPACE, "rollout", "status", "deployment/" + name, "--timeout=120s");
        node.awaitService(NAMESPACE, name, 1);
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1)).until(() -> kubectl.run("-n", NAMESPACE,
                "get", "service", name, "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"), "203.0.113.7"::equals);
        // The bastion's credentials namespace is the Service's: the forwarder's objects carry the tunnel's own labels.
        assertThat(kubectl.run("-n", NAMESPACE, "get", "pods", "-l", "app.kubernetes.io/instance=" + name + "-lb", "-o",
                "jsonpath={.items[*].status.phase}").trim()).isEqualTo("Running Running");
        assertThat(traffic("roundtrip", "127.0.0.1", Integer.toString(LB_PORT))).isEqualTo("ok");

        kubectl.run("-n", NAMESPACE, "delete", "service", name);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> kubectl.run("-n", NAMESPACE,
                "get", "deployments", "-l", "app.kubernetes.io/instance=" + name + "-lb", "-o", "name").isBlank()
                && kubectl.attempt("", "-n", NAMESPACE, "get", "sshtunnel", name + "-lb").exitCode() != 0);
        kubectl.run("-n", NAMESPACE, "delete", "deployment/" + name, "clustersshbastion/node-vps", "--wait=false");
        System.out.printf("LoadBalancer Service: VPS port -> forwarder -> %s -> pod and back, in %s%n",
                KubeletNode.serviceDnsName(NAMESPACE, name), Duration.between(begun, Instant.now()));
    }

    private Map<String, Object> echoDeployment(String name) {
        return Map.of("apiVersion", "apps/v1", "kind", "Deployment",
                "metadata", Map.of("name", name, "namespace", NAMESPACE),
                "spec", Map.of("replicas", 1, "selector", Map.of("matchLabels", Map.of("app", name)),
                        "template", Map.of("metadata", Map.of("labels", Map.of("app", name)),
                                "spec", Map.of("containers", List.of(echoContainer(name, List.of("-listen", ":" + BACKEND_PORT),
                                        Map.of("ports", List.of(Map.of("containerPort", BACKEND_PORT)),
                                                // Ready only once it listens: the Service's endpoint follows readiness.
                                                "readinessProbe", Map.of("tcpSocket", Map.of("port", BACKEND_PORT),
                                                        "periodSeconds", 1))))))));
    }

    /** The echo image's container, as `restricted` pod security admits it. */
    private Map<String, Object> echoContainer(String name, List<String> args, Map<String, Object> more) {
        Map<String, Object> container = new java.util.HashMap<>(Map.of("name", name, "image", node.echoImage(),
                "imagePullPolicy", "Never", "args", args,
                "securityContext", Map.of("runAsNonRoot", true, "allowPrivilegeEscalation", false,
                        "readOnlyRootFilesystem", true, "capabilities", Map.of("drop", List.of("ALL")),
                        "seccompProfile", Map.of("type", "RuntimeDefault"))));
        container.putAll(more);
        return container;
    }

    private void apply(String manifest) {
        Kubectl.Result result = kubectl.attempt(manifest, "apply", "-f", "-");
        assertThat(result.exitCode()).as(result.err()).isZero();
    }

    private record ClientRun(String phase, String log) {
    }

    /** A pod on the node that runs `/echo -dial ADDRESSES` once; its final phase and its output. */
    private ClientRun runClient(String pod, String addresses) throws Exception {
        Map<String, Object> manifest = Map.of("apiVersion", "v1", "kind", "Pod",
                "metadata", Map.of("name", pod, "namespace", NAMESPACE),
                "spec", Map.of("restartPolicy", "Never",
                        "containers", List.of(echoContainer("client", List.of("-dial", addresses, "-timeout", "10s"), Map.of()))));
        apply(new ObjectMapper().writeValueAsString(manifest));
        Instant deadline = Instant.now().plusSeconds(90);
        Pod current = null;
        while (Instant.now().isBefore(deadline)) {
            current = RealCluster.admin().pods().inNamespace(NAMESPACE).withName(pod).get();
            String phase = current.getStatus().getPhase();
            if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
                return new ClientRun(phase, node.containerLog(current, "client"));
            }
            Thread.sleep(250);
        }
        throw new AssertionError("pod " + pod + " did not end in 90 s: " + current.getStatus());
    }

    /** The container's process as the runtime started it: what `restricted` pod security promises. */
    private static void assertRestricted(long pid) throws IOException {
        String status = Files.readString(Path.of("/proc/" + pid + "/status"));
        assertThat(field(status, "Uid")).isEqualTo("185\t185\t185\t185");
        assertThat(field(status, "Gid")).isEqualTo("185\t185\t185\t185");
        assertThat(field(status, "CapEff")).isEqualTo("0000000000000000");
        assertThat(field(status, "CapBnd")).isEqualTo("0000000000000000");
        assertThat(field(status, "NoNewPrivs")).isEqualTo("1");
        assertThat(field(status, "Seccomp")).as("seccomp filter mode").isEqualTo("2");
        String root = Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo")).stream()
                .filter(line -> line.split(" ")[4].equals("/")).findFirst().orElseThrow();
        assertThat(root.split(" ")[5]).as("root mount options").startsWith("ro");
    }

    private static String field(String status, String name) {
        return status.lines().filter(l -> l.startsWith(name + ":")).map(l -> l.substring(name.length() + 1).strip())
                .findFirst().orElseThrow();
    }

    /** cgroup v1 memory accounting of the container, read from the host. */
    private record Memory(long usage, long rss, long peak, long limit) {
        static Memory of(long pid) throws IOException {
            String path = Files.readAllLines(Path.of("/proc/" + pid + "/cgroup")).stream()
                    .map(l -> l.split(":", 3)).filter(f -> List.of(f[1].split(",")).contains("memory")).map(f -> f[2])
                    .findFirst().orElseThrow();
            Path dir = Path.of("/sys/fs/cgroup/memory" + path);
            long rss = Files.readAllLines(dir.resolve("memory.stat")).stream().filter(l -> l.startsWith("total_rss "))
                    .map(l -> Long.parseLong(l.split(" ")[1])).findFirst().orElseThrow();
            return new Memory(read(dir, "memory.usage_in_bytes"), rss, read(dir, "memory.max_usage_in_bytes"),
                    read(dir, "memory.limit_in_bytes"));
        }

        private static long read(Path dir, String file) throws IOException {
            return Long.parseLong(Files.readString(dir.resolve(file)).trim());
        }
    }

    private Pod forwarderPod() {
        return onlyPod(NAMESPACE, ForwarderLabels.INSTANCE + "=" + TUNNEL);
    }

    private Pod onlyPod(String namespace, String selector) {
        List<Pod> pods = RealCluster.admin().pods().inNamespace(namespace).withLabelSelector(selector).list().getItems()
                .stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
        assertThat(pods).as("pods %s in %s", selector, namespace).hasSize(1);
        return pods.get(0);
    }

    /** Runs {@link dev.sshtunnel.testing.NodeTraffic} inside the node's network namespace; returns its last line. */
    private String traffic(String... args) throws Exception {
        Process process = inNode(List.of(args));
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> lines = out.lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private Process inNode(List<String> args) throws IOException {
        List<String> command = new ArrayList<>(node.exec());
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss256k",
                "-cp", System.getProperty("java.class.path"), dev.sshtunnel.testing.NodeTraffic.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}
