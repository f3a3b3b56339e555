package dev.sshtunnel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Kubernetes node for tests: the kubelet built from the control plane's own release
 * (hack/kube-binaries.sh) with Debian's containerd and runc, in a network namespace this class
 * creates. Nothing gets an address outside it:
 * <ul>
 * <li>The node's address {@link #NODE_IP} sits on a veth pair inside the namespace; pods get addresses
 * from {@link #POD_SUBNET} on a bridge there (Debian's bridge + host-local CNI plugins).</li>
 * <li>The API server listens on the host's loopback; the node reaches it through a unix socket (the
 * file system is shared across network namespaces), relayed by socat to 127.0.0.1:PORT inside the
 * namespace for the kubelet, and to the `kubernetes` Service address 10.96.0.1:443 (held by the node,
 * as there is no kube-proxy) for pods that use in-cluster configuration.</li>
 * </ul>
 * Images are imported with `ctr images import`; the pod sandbox image is hack/image/pause-image.sh's.
 * Everything the node writes stays under {@code workDir}; logs in {@code workDir/logs}.
 */
public final class KubeletNode implements AutoCloseable {

    public static final String NODE_IP = "10.215.0.2";
    public static final String POD_SUBNET = "10.215.1.0/24";
    private static final String SERVICE_IP = "10.96.0.1";
    private static final String NETNS_PREFIX = "sshtk-";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final String netns;
    private final Path work;
    private final Path run;
    private final Path logs;
    private final Path socket;
    private final List<Process> processes = new ArrayList<>();
    /** containerd names pod namespaces cni-UUID; those that exist before the node starts are not its own. */
    private final List<String> namespacesBefore = networkNamespaces();
    private Process kubelet;
    private boolean closed;

    private KubeletNode(Path work) throws IOException {
        this.netns = NETNS_PREFIX + ProcessHandle.current().pid();
        this.work = work.toAbsolutePath();
        // Unix socket paths are limited to 108 bytes: the runtime state lives under a short /run path.
        this.run = Path.of("/run", netns);
        this.logs = Files.createDirectories(this.work.resolve("logs"));
        this.socket = run.resolve("containerd.sock");
    }

    /** What this machine needs for a node; the message names the missing part. */
    public static void requirePrerequisites() {
        for (String tool : List.of("/usr/bin/containerd", "/usr/bin/ctr", "/usr/sbin/runc", "/usr/lib/cni/bridge",
                "/usr/lib/cni/host-local", "/usr/lib/cni/loopback", "/usr/bin/socat")) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new IllegalStateException(tool + " is missing: .ci/run installs containerd, runc, "
                        + "containernetworking-plugins and socat from Debian's packages");
            }
        }
        NetworkNamespace.requireCapabilities();
    }

    /**
     * Starts containerd and the kubelet as node {@code nodeName} with the given bearer token (a
     * `system:node:` identity, so Node authorization and NodeRestriction apply), registers the node and
     * waits for it to be Ready, with the given OCI/docker archives imported.
     */
    public static KubeletNode start(Path kubeBinaries, URI apiServer, String caPem, String nodeName, String nodeToken,
            Path workDir, List<Path> images) throws IOException {
        requirePrerequisites();
        deleteLeftovers(workDir.toAbsolutePath().getParent());
        KubeletNode node = new KubeletNode(workDir);
        // A JVM stopped by a signal still takes its node down; close() is idempotent.
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "kubelet-node-stop"));
        try {
            node.network(apiServer.getPort());
            Path pause = HackScripts.directory("hack/image/pause-image.sh");
            node.startContainerd(pauseImageName(pause));
            node.importImage(pause);
            for (Path image : images) {
                node.importImage(image);
            }
            node.startKubelet(kubeBinaries.resolve("kubelet"), apiServer.getPort(), caPem, nodeName, nodeToken);
            return node;
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    /**
     * The command prefix that runs a program inside the node's network namespace. nsenter, not `ip netns
     * exec`: that one mounts a new /sys, which hides the cgroup hierarchies the kubelet and runc need.
     */
    public List<String> exec() {
        return List.of("nsenter", "--net=/run/netns/" + netns, "--");
    }

    /** `ctr` against the node's containerd, in the namespace the kubelet's containers live in. */
    public String ctr(String... args) {
        List<String> command = new ArrayList<>(List.of("ctr", "--address", socket.toString(), "-n", "k8s.io"));
        command.addAll(List.of(args));
        return Processes.run(command);
    }

    /** The host pid of a running container, from its `containerd://ID` in the pod status. */
    public long pidOf(String containerId) {
        String id = containerId.replaceFirst("^containerd://", "");
        for (String line : ctr("tasks", "ls").lines().skip(1).toList()) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length >= 2 && columns[0].equals(id)) {
                return Long.parseLong(columns[1]);
            }
        }
        throw new IllegalStateException("no running task for container " + id + ":\n" + ctr("tasks", "ls"));
    }

    /** A process that follows containerd's events (task exits among them) until closed; lines in {@code file}. */
    public Process followEvents(Path file) throws IOException {
        Process events = new ProcessBuilder("ctr", "--address", socket.toString(), "events")
                .redirectErrorStream(true).redirectOutput(file.toFile()).start();
        processes.add(events);
        return events;
    }

    private void network(int apiPort) throws IOException {
        ip("netns", "add", netns);
        ip("-n", netns, "link", "set", "lo", "up");
        // The node's own address on a veth pair whose both ends stay inside the namespace.
        ip("-n", netns, "link", "add", "node0", "type", "veth", "peer", "name", "node0-peer");
        ip("-n", netns, "addr", "add", NODE_IP + "/24", "dev", "node0");
        ip("-n", netns, "addr", "add", SERVICE_IP + "/32", "dev", "node0");
        ip("-n", netns, "link", "set", "node0", "up");
        ip("-n", netns, "link", "set", "node0-peer", "up");
        Files.createDirectories(run);
        Path api = run.resolve("api.sock");
        background("api-relay-host", List.of("socat", "UNIX-LISTEN:" + api + ",fork,mode=600", "TCP:127.0.0.1:" + apiPort));
        awaitFile(api);
        inNode("api-relay-node", List.of("socat", "TCP-LISTEN:" + apiPort + ",bind=127.0.0.1,reuseaddr,fork",
                "UNIX-CONNECT:" + api));
        inNode("api-relay-service", List.of("socat", "TCP-LISTEN:443,bind=" + SERVICE_IP + ",reuseaddr,fork",
                "UNIX-CONNECT:" + api));
        Path cni = Files.createDirectories(work.resolve("cni/net.d"));
        Files.writeString(cni.resolve("10-sshtk.conflist"), """
                {"cniVersion": "1.0.0", "name": "sshtk", "plugins": [
                  {"type": "bridge", "bridge": "sshtk0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
                   "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s"}]], "routes": [{"dst": "0.0.0.0/0"}],
                            "dataDir": "%s"}}]}
                """.formatted(POD_SUBNET, work.resolve("cni/ipam")));
    }

    private void startContainerd(String sandboxImage) throws IOException {
        Path config = work.resolve("containerd.toml");
        Files.writeString(config, """
                version = 2
                root = "%s"
                state = "%s"
                [grpc]
                  address = "%s"
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%s"
                  # Tests run without CAP_SYS_RESOURCE here, so no process may lower its OOM score below
                  # containerd's own (the kubelet asks -998 for sandboxes, -997 for Guaranteed pods): runc
                  # fails with "failed to update /proc/self/oom_score_adj: Permission denied" otherwise.
                  restrict_oom_score_adj = true
                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    snapshotter = "overlayfs"
                    default_runtime_name = "runc"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"
                      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                        SystemdCgroup = false
                        BinaryName = "/usr/sbin/runc"
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "/usr/lib/cni"
                    conf_dir = "%s"
                """.formatted(work.resolve("containerd"), run.resolve("containerd"), socket, sandboxImage,
                work.resolve("cni/net.d")));
        // Containers inherit containerd's open-file limit, as under its systemd unit (LimitNOFILE=infinity).
        inNode("containerd", List.of("sh", "-c", "ulimit -n \"$(ulimit -Hn)\" && exec containerd --config " + config));
        awaitFile(socket);
    }

    /** The name the archive itself carries (its manifest's RepoTags), so pause-image.sh alone decides it. */
    private static String pauseImageName(Path archive) {
        String manifest = Processes.run(List.of("tar", "-xOf", archive.toString(), "manifest.json"));
        try {
            String name = new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifest).path(0).path("RepoTags").path(0).asText();
            if (name.isBlank()) {
                throw new IllegalStateException(archive + ": manifest.json names no image: " + manifest);
            }
            return name;
        } catch (IOException e) {
            throw new UncheckedIOException(archive + ": manifest.json: " + e.getMessage(), e);
        }
    }

    private void importImage(Path archive) {
        ctr("images", "import", archive.toString());
    }

    private void startKubelet(Path kubeletBinary, int apiPort, String caPem, String nodeName, String token) throws IOException {
        Path dir = Files.createDirectories(work.resolve("kubelet"));
        Path ca = dir.resolve("ca.crt");
        Files.writeString(ca, caPem);
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: node
                  cluster: {server: "https://127.0.0.1:%d", certificate-authority: "%s"}
                users:
                - name: node
                  user: {token: "%s"}
                contexts:
                - name: node
                  context: {cluster: node, user: node}
                current-context: node
                """.formatted(apiPort, ca, token));
        Files.setPosixFilePermissions(kubeconfig, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path resolv = dir.resolve("resolv.conf");
        Files.writeString(resolv, "# pods of the test node resolve nothing\n");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                apiVersion: kubelet.config.k8s.io/v1beta1
                kind: KubeletConfiguration
                # This machine mounts cgroup v1 only; from 1.35 the kubelet refuses it unless told otherwise.
                failCgroupV1: false
                cgroupDriver: cgroupfs
                containerRuntimeEndpoint: "unix://%s"
                authentication:
                  anonymous: {enabled: false}
                  webhook: {enabled: false}
                authorization: {mode: AlwaysAllow}
                readOnlyPort: 0
                port: 10250
                healthzPort: 0
                resolvConf: "%s"
                podLogsDir: "%s"
                failSwapOn: false
                serializeImagePulls: false
                registerNode: true
                syncFrequency: 10s
                fileCheckFrequency: 10s
                nodeStatusUpdateFrequency: 5s
                # The disk of a build machine may be fuller than a node's: evict for memory only.
                evictionHard: {memory.available: "100Mi", nodefs.available: "0%%", imagefs.available: "0%%", nodefs.inodesFree: "0%%"}
                imageGCHighThresholdPercent: 100
                imageGCLowThresholdPercent: 99
                """.formatted(socket, resolv, logs.resolve("pods")));
        kubelet = inNode("kubelet", List.of(kubeletBinary.toString(), "--config=" + config, "--kubeconfig=" + kubeconfig,
                // The kubelet binds unix sockets under its root directory (pod-resources, plugins): short path.
                "--root-dir=" + run.resolve("kubelet"), "--cert-dir=" + dir.resolve("pki"),
                "--hostname-override=" + nodeName, "--node-ip=" + NODE_IP, "--v=2"));
    }

    /** Waits for the kubelet's node to report Ready through the API (its own heartbeat). */
    public void awaitReady(io.fabric8.kubernetes.client.KubernetesClient admin, String nodeName) {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            var node = admin.nodes().withName(nodeName).get();
            if (node != null && node.getStatus() != null && node.getStatus().getConditions() != null
                    && node.getStatus().getConditions().stream()
                            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))) {
                return;
            }
            exitedComponent();
            sleep(500);
        }
        throw new IllegalStateException("node " + nodeName + " not Ready in " + READY_TIMEOUT + "; see " + logs);
    }

    private void exitedComponent() {
        for (Process process : processes) {
            if (!process.isAlive()) {
                throw new IllegalStateException("a node component exited (" + process.exitValue() + "); see " + logs);
            }
        }
    }

    private Process inNode(String name, List<String> command) throws IOException {
        List<String> full = new ArrayList<>(exec());
        full.addAll(command);
        return background(name, full);
    }

    private Process background(String name, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(name + ".log").toFile())).start();
        processes.add(process);
        return process;
    }

    private static void awaitFile(Path file) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!Files.exists(file)) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(file + " did not appear");
            }
            sleep(100);
        }
    }

    /**
     * Stops the kubelet, every container and sandbox of the node, containerd and its shims, unmounts what
     * they mounted under the node's directories and deletes the namespaces: the node's and those containerd
     * made for its pods.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (kubelet != null) {
            Processes.killTree(kubelet);
        }
        if (Files.exists(socket)) {
            for (String task : quietly(() -> ctr("tasks", "ls", "-q")).lines().toList()) {
                quietly(() -> ctr("tasks", "kill", "-s", "SIGKILL", task.trim()));
            }
            sleep(500);
        }
        List<Process> stopping = new ArrayList<>(processes);
        java.util.Collections.reverse(stopping);
        stopping.forEach(Processes::killTree);
        // The shims outlive containerd by design; ours are the ones started with its socket.
        quietly(() -> Processes.run(List.of("pkill", "-9", "-f", "containerd-shim.*" + socket)));
        unmountUnder(work);
        unmountUnder(run);
        for (String name : networkNamespaces()) {
            if (name.startsWith("cni-") && !namespacesBefore.contains(name)) {
                quietly(() -> Processes.run(List.of("ip", "netns", "delete", name)));
            }
        }
        quietly(() -> Processes.run(List.of("ip", "netns", "delete", netns)));
        quietly(() -> {
            try (var files = Files.walk(run)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            return "";
        });
    }

    private static List<String> networkNamespaces() {
        return quietly(() -> Processes.run(List.of("ip", "netns", "list"))).lines()
                .map(line -> line.split("\\s+")[0]).filter(name -> !name.isBlank()).toList();
    }

    private static void unmountUnder(Path root) {
        try {
            List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8).stream()
                    .map(line -> line.split(" ")[4].replace("\\040", " "))
                    .filter(mount -> mount.startsWith(root.toString()))
                    .sorted(Comparator.comparing(String::length).reversed()).toList();
            for (String mount : mounts) {
                quietly(() -> Processes.run(List.of("umount", "-l", mount)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What earlier runs whose JVM is gone left behind: their node processes, network namespaces and
     * mounts (a kubelet's volumes stay mounted when it is killed; `mvn clean` could not delete them).
     */
    private static void deleteLeftovers(Path nodesDir) {
        unmountUnder(nodesDir);
        for (String name : networkNamespaces()) {
            if (name.matches(NETNS_PREFIX + "\\d+")) {
                long pid = Long.parseLong(name.substring(NETNS_PREFIX.length()));
                if (ProcessHandle.of(pid).isEmpty()) {
                    quietly(() -> Processes.run(List.of("pkill", "-9", "-f", "/run/" + name + "/")));
                    quietly(() -> Processes.run(List.of("ip", "netns", "delete", name)));
                }
            }
        }
    }

    private static void ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Processes.run(command);
    }

    private interface Step {
        String run() throws Exception;
    }

    private static String quietly(Step step) {
        try {
            return step.run();
        } catch (Exception e) {
            return "";
        }
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
