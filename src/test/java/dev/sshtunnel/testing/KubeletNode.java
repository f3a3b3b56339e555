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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sshtunnel.sandbox.ControlPlane;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * A real Kubernetes node for tests: the kubelet built from the control plane's own release
 * (hack/kube-binaries.sh) with Debian's containerd and runc, in a network namespace this class
 * creates. Nothing gets an address outside it:
 * <ul>
 * <li>The node's address {@link #NODE_IP} sits on a veth pair inside the namespace; pods get addresses
 * from {@link #POD_SUBNET} on a bridge there (Debian's bridge + host-local CNI plugins).</li>
 * <li>The API server listens on the host's loopback; the node reaches it through a unix socket (the
 * file system is shared across network namespaces), relayed by socat to 127.0.0.1:PORT inside the
 * namespace for the kubelet and kube-proxy, and to the endpoint the `kubernetes` Service publishes
 * ({@link RealCluster#API_SERVER_ENDPOINT}:{@link RealCluster#API_SERVER_ENDPOINT_PORT}, an address the node
 * holds) for pods that use in-cluster configuration: kube-proxy sends 10.96.0.1:443 there.</li>
 * <li>Service networking is real: kube-proxy (hack/kube-proxy.sh, same release) in iptables mode programs
 * every ClusterIP in the namespace, and dnsmasq on {@link #NODE_IP} is the pods' cluster DNS
 * ({@code <svc>.<ns>.svc.cluster.local}, records kept from the API by {@link ServiceRecords}).</li>
 * </ul>
 * Images are imported with `ctr images import`; the pod sandbox image is hack/image/pause-image.sh's, and
 * hack/image/echo-image.sh's TCP echo server ({@link #echoImage()}) is there for Service backends.
 * Everything the node writes stays under {@code workDir}; logs in {@code workDir/logs}.
 */
public final class KubeletNode implements AutoCloseable {

    public static final String NODE_IP = "10.215.0.2";
    public static final String POD_SUBNET = "10.215.1.0/24";
    /** The pods' nameserver (kubelet clusterDNS): dnsmasq on the node's own address. */
    public static final String CLUSTER_DNS = NODE_IP;
    public static final String CLUSTER_DOMAIN = ServiceRecords.CLUSTER_DOMAIN;
    private static final String NETNS_PREFIX = "sshtk-";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration SERVICE_TIMEOUT = Duration.ofSeconds(60);

    private final String netns;
    private final Path work;
    private final Path run;
    private final Path logs;
    private final Path socket;
    private final List<Process> processes = new ArrayList<>();
    /** The node's own daemons among {@link #processes}: one that exits fails the wait for the node. */
    private final List<Process> components = new ArrayList<>();
    /** containerd names pod namespaces cni-UUID; those that exist before the node starts are not its own. */
    private final List<String> namespacesBefore = networkNamespaces();
    private Process kubelet;
    private KubernetesClient serviceProxy;
    private ServiceRecords records;
    private String echoImage;
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
                "/usr/lib/cni/host-local", "/usr/lib/cni/loopback", "/usr/bin/socat", "/usr/sbin/dnsmasq")) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new IllegalStateException(tool + " is missing: .ci/run installs containerd, runc, "
                        + "containernetworking-plugins, socat and dnsmasq-base from Debian's packages");
            }
        }
        NetworkNamespace.requireCapabilities();
    }

    /**
     * Starts containerd and the kubelet as node {@code nodeName} with the given bearer token (a
     * `system:node:` identity, so Node authorization and NodeRestriction apply), which registers the node,
     * with the given OCI/docker archives imported; then kube-proxy and the cluster DNS records, both as
     * {@code serviceProxyToken} (bound to `system:node-proxier`, see {@link RealCluster#serviceProxyToken()}).
     * {@link #awaitReady} waits for all of it.
     */
    public static KubeletNode start(Path kubeBinaries, URI apiServer, String caPem, String nodeName, String nodeToken,
            String serviceProxyToken, Path workDir, List<Path> images) throws IOException {
        requirePrerequisites();
        deleteLeftovers(workDir.toAbsolutePath().getParent());
        KubeletNode node = new KubeletNode(workDir);
        // A JVM stopped by a signal still takes its node down; close() is idempotent.
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "kubelet-node-stop"));
        try {
            node.network(apiServer.getPort());
            node.startClusterDns(apiServer, caPem, serviceProxyToken);
            Path pause = HackScripts.directory("hack/image/pause-image.sh");
            node.startContainerd(imageName(pause));
            node.importImage(pause);
            Path echo = HackScripts.directory("hack/image/echo-image.sh");
            node.importImage(echo);
            node.echoImage = imageName(echo);
            for (Path image : images) {
                node.importImage(image);
            }
            node.startKubelet(kubeBinaries.resolve("kubelet"), apiServer.getPort(), caPem, nodeName, nodeToken);
            node.startKubeProxy(HackScripts.directory("hack/kube-proxy.sh").resolve("kube-proxy"), apiServer.getPort(),
                    caPem, nodeName, serviceProxyToken);
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
        ip("-n", netns, "addr", "add", RealCluster.API_SERVER_ENDPOINT + "/32", "dev", "node0");
        ip("-n", netns, "link", "set", "node0", "up");
        ip("-n", netns, "link", "set", "node0-peer", "up");
        // A route for the ClusterIPs, as a node's default route would be: without one, a connection to a Service
        // that kube-proxy rejects (no ready endpoint) fails routing before its REJECT rule, as "network is
        // unreachable". What kube-proxy does not take goes to the veth's peer, inside the namespace, and ends there.
        ip("-n", netns, "route", "add", ControlPlane.SERVICE_CIDR, "dev", "node0");
        Files.createDirectories(run);
        Path api = run.resolve("api.sock");
        background("api-relay-host", List.of("socat", "UNIX-LISTEN:" + api + ",fork,mode=600", "TCP:127.0.0.1:" + apiPort));
        awaitFile(api);
        inNode("api-relay-node", List.of("socat", "TCP-LISTEN:" + apiPort + ",bind=127.0.0.1,reuseaddr,fork",
                "UNIX-CONNECT:" + api));
        // Where kube-proxy sends the `kubernetes` Service (10.96.0.1:443): the endpoint RealCluster publishes for it.
        inNode("api-relay-service", List.of("socat", "TCP-LISTEN:" + RealCluster.API_SERVER_ENDPOINT_PORT + ",bind="
                + RealCluster.API_SERVER_ENDPOINT + ",reuseaddr,fork", "UNIX-CONNECT:" + api));
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

    /** The name the archive itself carries (its manifest's RepoTags), so the script that built it alone decides it. */
    private static String imageName(Path archive) {
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
        Path kubeconfig = kubeconfig(dir, apiPort, caPem, token);
        Path resolv = dir.resolve("resolv.conf");
        Files.writeString(resolv, "# the node has no upstream resolver: pods resolve cluster names only (clusterDNS)\n");
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
                clusterDNS: ["%s"]
                clusterDomain: "%s"
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
                """.formatted(socket, resolv, CLUSTER_DNS, CLUSTER_DOMAIN, logs.resolve("pods")));
        kubelet = inNode("kubelet", List.of(kubeletBinary.toString(), "--config=" + config, "--kubeconfig=" + kubeconfig,
                // The kubelet binds unix sockets under its root directory (pod-resources, plugins): short path.
                "--root-dir=" + run.resolve("kubelet"), "--cert-dir=" + dir.resolve("pki"),
                "--hostname-override=" + nodeName, "--node-ip=" + NODE_IP, "--v=2"));
    }

    /** A kubeconfig in {@code dir} for the API server's relay inside the namespace, with a bearer token. */
    private static Path kubeconfig(Path dir, int apiPort, String caPem, String token) throws IOException {
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
        return kubeconfig;
    }

    /**
     * dnsmasq on {@link #CLUSTER_DNS}:53 inside the namespace, authoritative for {@link #CLUSTER_DOMAIN} with the
     * records {@link ServiceRecords} keeps (it reloads them by inotify); with no upstream server, any other name
     * is refused.
     */
    private void startClusterDns(URI apiServer, String caPem, String token) throws IOException {
        serviceProxy = new KubernetesClientBuilder().withConfig(ControlPlane.clientConfig(apiServer.toString(), caPem, token))
                .build();
        Path hosts = run.resolve("dns");
        records = new ServiceRecords(serviceProxy, hosts);
        inNode("dnsmasq", List.of("dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--listen-address=" + CLUSTER_DNS, "--bind-interfaces", "--port=53", "--pid-file=",
                // root: no user of dnsmasq's own exists on a build machine, and it reads only the test's files.
                "--user=root", "--hostsdir=" + hosts, "--local=/" + CLUSTER_DOMAIN + "/",
                "--log-facility=-", "--log-queries"));
    }

    /**
     * kube-proxy in iptables mode inside the namespace. Masquerading every Service connection: the pods share one
     * bridge, and a backend's reply to a pod on it is un-DNATed only if it passes the node's iptables. This kernel
     * has br_netfilter, on in every new namespace (bridge-nf-call-iptables=1: the test passes without masquerading
     * too), but a machine without the module would send the reply across the bridge from the pod's own address;
     * masqueraded, it goes back through the node (the bridge's hairpin mode lets a pod reach itself) whatever the
     * kernel. Node ports on the node's primary address only and no conntrack sysctls: it changes nothing that the
     * namespace does not need.
     */
    private void startKubeProxy(Path binary, int apiPort, String caPem, String nodeName, String token) throws IOException {
        Path dir = Files.createDirectories(work.resolve("kube-proxy"));
        Path kubeconfig = kubeconfig(dir, apiPort, caPem, token);
        // Under /run/NETNS, so that deleteLeftovers finds it by its command line when the JVM that started it died.
        Path config = run.resolve("kube-proxy.yaml");
        Files.writeString(config, """
                apiVersion: kubeproxy.config.k8s.io/v1alpha1
                kind: KubeProxyConfiguration
                clientConnection: {kubeconfig: "%s"}
                hostnameOverride: "%s"
                bindAddress: "%s"
                healthzBindAddress: "127.0.0.1:10256"
                metricsBindAddress: "127.0.0.1:10249"
                mode: iptables
                clusterCIDR: "%s"
                nodePortAddresses: [primary]
                iptables:
                  masqueradeAll: true
                  localhostNodePorts: false
                  # Changes are programmed at once: tests wait for them.
                  minSyncPeriod: 0s
                  syncPeriod: 30s
                conntrack:
                  maxPerCore: 0
                  min: 0
                  tcpEstablishedTimeout: 0s
                  tcpCloseWaitTimeout: 0s
                """.formatted(kubeconfig, nodeName, NODE_IP, POD_SUBNET));
        inNode("kube-proxy", List.of(binary.toString(), "--config=" + config, "--v=2"));
    }

    /**
     * Waits for the kubelet's node to report Ready through the API (its own heartbeat), and for Service networking:
     * the `kubernetes` Service resolved by cluster DNS and programmed by kube-proxy.
     */
    public void awaitReady(KubernetesClient admin, String nodeName) {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            var node = admin.nodes().withName(nodeName).get();
            if (node != null && node.getStatus() != null && node.getStatus().getConditions() != null
                    && node.getStatus().getConditions().stream()
                            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))) {
                awaitService("default", "kubernetes", 1);
                return;
            }
            exitedComponent();
            sleep(500);
        }
        throw new IllegalStateException("node " + nodeName + " not Ready in " + READY_TIMEOUT + "; see " + logs);
    }

    /** The image of hack/image/echo-image.sh, imported on the node: `-listen :PORT` serves, `-dial HOST:PORT,...` checks. */
    public String echoImage() {
        return echoImage;
    }

    /** {@code <name>.<namespace>.svc.cluster.local}: what the node's cluster DNS answers with the Service's ClusterIP. */
    public static String serviceDnsName(String namespace, String name) {
        return ServiceRecords.dnsName(namespace, name);
    }

    /**
     * Waits until a pod of this node can use the Service as it is now: cluster DNS answers its name with its
     * ClusterIP, and kube-proxy sends that ClusterIP to exactly {@code endpoints} distinct pod addresses (with 0,
     * it rejects connections to it). Returns the ClusterIP.
     */
    public String awaitService(String namespace, String name, int endpoints) {
        Instant deadline = Instant.now().plus(SERVICE_TIMEOUT);
        String state = "";
        while (Instant.now().isBefore(deadline)) {
            // As the DNS records' watch sees it: system:node-proxier may list and watch Services, not get one.
            String ip = records.clusterIp(namespace, name);
            if (ip != null) {
                String resolved = records.address(serviceDnsName(namespace, name));
                String rules = iptablesSave();
                Set<String> proxied = proxiedEndpoints(rules, namespace, name);
                boolean rejected = Pattern.compile("--comment \"?" + Pattern.quote(namespace + "/" + name)
                        + "(:[^ \"]*)? has no endpoints\"?").matcher(rules).find();
                state = "DNS " + serviceDnsName(namespace, name) + " -> " + resolved + ", ClusterIP " + ip
                        + ", kube-proxy endpoints " + proxied + (rejected ? " (rejects: no endpoints)" : "");
                if (ip.equals(resolved) && proxied.size() == endpoints && (endpoints > 0 || rejected)) {
                    return ip;
                }
            }
            exitedComponent();
            sleep(200);
        }
        throw new IllegalStateException("Service " + namespace + "/" + name + " not routed to " + endpoints
                + " endpoints in " + SERVICE_TIMEOUT + ": " + state + "; rules:\n" + iptablesSave());
    }

    /**
     * Waits until cluster DNS answers {@code dnsName} with {@code address}: for names that {@link #awaitService}
     * does not cover, such as an ExternalName Service that aliases a Service of the cluster.
     */
    public void awaitDnsRecord(String dnsName, String address) {
        Instant deadline = Instant.now().plus(SERVICE_TIMEOUT);
        while (!address.equals(records.address(dnsName))) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("cluster DNS does not answer " + dnsName + " with " + address + " in "
                        + SERVICE_TIMEOUT + "; records:\n" + quietly(records::records));
            }
            exitedComponent();
            sleep(200);
        }
    }

    /** The distinct pod addresses kube-proxy's nat rules send any port of the Service to (its comments name them). */
    private static Set<String> proxiedEndpoints(String rules, String namespace, String name) {
        Matcher m = Pattern.compile("--comment \"?" + Pattern.quote(namespace + "/" + name)
                + "(:[^ \"]*)? -> ([0-9.]+):[0-9]+\"?.* -j KUBE-SEP-").matcher(rules);
        Set<String> endpoints = new TreeSet<>();
        while (m.find()) {
            endpoints.add(m.group(2));
        }
        return endpoints;
    }

    /**
     * What a container of the pod wrote (stdout and stderr, all its runs), read from the kubelet's CRI log files
     * on this node. Not through the API: the API server would dial the kubelet by the node's name, which only the
     * machine's own resolver could answer, and the kubelet is inside the namespace anyway.
     */
    public String containerLog(io.fabric8.kubernetes.api.model.Pod pod, String container) throws IOException {
        var meta = pod.getMetadata();
        Path dir = logs.resolve("pods").resolve(meta.getNamespace() + "_" + meta.getName() + "_" + meta.getUid())
                .resolve(container);
        StringBuilder out = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("\\d+\\.log"))
                    .sorted(Comparator.comparing(f -> Integer.parseInt(f.getFileName().toString().replace(".log", ""))))
                    .toList()) {
                // CRI format: TIMESTAMP STREAM P|F TEXT, P for a line the runtime split (no newline after it).
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String[] fields = line.split(" ", 4);
                    if (fields.length == 4) {
                        out.append(fields[3]).append(fields[2].equals("P") ? "" : "\n");
                    }
                }
            }
        }
        return out.toString();
    }

    /** iptables-save of the node's namespace: the rules kube-proxy programmed (nat and filter tables). */
    public String iptablesSave() {
        List<String> command = new ArrayList<>(exec());
        command.add("iptables-save");
        return Processes.run(command);
    }

    private void exitedComponent() {
        for (Process process : components) {
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
        components.add(process);
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
        if (records != null) {
            records.close();
        }
        if (serviceProxy != null) {
            // What kube-proxy had programmed, for the logs of a failed test; the namespace takes the rules along.
            quietly(() -> Files.writeString(logs.resolve("iptables-save.txt"), iptablesSave()).toString());
            serviceProxy.close();
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
