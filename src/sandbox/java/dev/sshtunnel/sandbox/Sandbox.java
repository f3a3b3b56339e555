package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.sshtunnel.config.validation.CrdSchema;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Kubernetes on this machine for trying the operator without a cluster: the real control plane
 * ({@link ControlPlane}: etcd, kube-apiserver, kube-controller-manager, kube-scheduler) with the CRD
 * and the operator's ServiceAccount and RBAC from deploy/ installed, plus the two stand-ins for what
 * cannot run here: {@link NodeAgent} (kubelet and container runtime for forwarder pods) and
 * {@link ServiceProxies} (kube-proxy). The operator itself is not started here: it is the packaged
 * product, started with {@link #operatorProperties(Path)} — as the `sshtunnel-operator`
 * ServiceAccount, RBAC enforced — exactly as it runs in a cluster.
 */
public final class Sandbox implements AutoCloseable {

    /** Where and how the sandbox listens. */
    public record Options(Path workDir, Path kubeBinaries, int apiPort, String serviceAddress, boolean runPods) {
    }

    public static final String OPERATOR_NAMESPACE = "sshtunnel-system";
    public static final String OPERATOR_SERVICE_ACCOUNT = "sshtunnel-operator";
    public static final String NODE_NAME = "sandbox-node";
    /** The forwarder image the sandbox's operator puts in pods: "this program", the only image the node agent runs. */
    public static final String FORWARDER_IMAGE = "localhost/sshtunnel-operator:sandbox";
    /**
     * The objects of deploy/ that the sandbox installs (the operator Deployment is this process instead), with
     * the admission policy that holds the operator's writes to its own objects: every test runs under it. Not
     * guard-rails.yaml: its admission policy refuses Remote targets on loopback, where every sandbox target lives
     * (GuardRailsIT installs it in a sandbox of its own); the operator still applies the guard rails' defaults.
     */
    static final List<String> DEPLOY_FILES = List.of("namespace.yaml", "service-account.yaml", "cluster-role.yaml",
            "cluster-role-binding.yaml", "leader-election-role.yaml", "api-server-addresses-role.yaml",
            "operator-admission-policy.yaml");

    private final ControlPlane cluster;
    private final KubernetesClient admin;
    private final KubernetesClient nodeClient;
    private final NodeAgent node;
    private final ServiceProxies proxies;
    private final ScheduledExecutorService loop =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sandbox-service-proxies"));
    private final Deque<Runnable> closers = new ConcurrentLinkedDeque<>();
    private final String operatorToken;
    private final Path kubeconfig;

    private Sandbox(Options options, Consumer<String> log) throws IOException {
        Files.createDirectories(options.workDir());
        cluster = ControlPlane.start(new ControlPlane.Options(options.kubeBinaries(), options.workDir().resolve("cluster"),
                options.apiPort(), NODE_NAME, log));
        try {
            kubeconfig = cluster.writeKubeconfig(options.workDir().resolve("kubeconfig"), "sandbox-admin", cluster.adminToken(),
                    "default");
            admin = cluster.adminClient();
            installOperatorPrerequisites(admin);
            operatorToken = serviceAccountToken(admin, OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT);
            if (options.runPods()) {
                nodeClient = cluster.client(cluster.nodeToken());
                node = new NodeAgent(nodeClient, NODE_NAME, FORWARDER_IMAGE, options.workDir().resolve("pods"),
                        new PodAddresses(), log);
                proxies = new ServiceProxies(nodeClient, node, options.serviceAddress(), log);
                loop.scheduleWithFixedDelay(() -> {
                    try {
                        proxies.sync();
                    } catch (RuntimeException e) {
                        log.accept("service proxies: " + e.getMessage() + " (retrying)");
                    }
                }, 0, 500, TimeUnit.MILLISECONDS);
            } else {
                nodeClient = null;
                node = null;
                proxies = null;
            }
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    public static Sandbox start(Options options, Consumer<String> log) throws IOException {
        return new Sandbox(options, log);
    }

    /** The CRDs from crds/ and the operator's namespace, ServiceAccount and RBAC from deploy/, server-side applied. */
    public static void installOperatorPrerequisites(KubernetesClient admin) throws IOException {
        for (String crd : CrdSchema.ALL) {
            apply(admin, crd);
        }
        for (String file : DEPLOY_FILES) {
            apply(admin, "deploy/" + file);
        }
        for (String name : CrdSchema.NAMES) {
            admin.apiextensions().v1().customResourceDefinitions().withName(name)
                    .waitUntilCondition(crd -> crd != null && crd.getStatus() != null && crd.getStatus().getConditions().stream()
                            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus())), 60, TimeUnit.SECONDS);
        }
    }

    private static void apply(KubernetesClient admin, String resource) throws IOException {
        try (InputStream in = Sandbox.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is missing from the classpath");
            }
            for (HasMetadata object : admin.load(in).items()) {
                admin.resource(object).forceConflicts().serverSideApply();
            }
        }
    }

    /** A ServiceAccount token from the TokenRequest API (valid 24 h), as a projected token volume would hold. */
    public static String serviceAccountToken(KubernetesClient admin, String namespace, String name) {
        return admin.serviceAccounts().inNamespace(namespace).withName(name)
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(24 * 3600L).endSpec().build())
                .getStatus().getToken();
    }

    /** For kubectl: `export KUBECONFIG=...` (cluster admin). */
    public Path kubeconfig() {
        return kubeconfig;
    }

    public String apiServerUrl() {
        return cluster.url();
    }

    /**
     * System properties that point a packaged operator at the sandbox as its ServiceAccount: the kubeconfig
     * {@link #operatorKubeconfig(Path)} wrote (the token stays off the command line) and the sandbox profile.
     */
    public static Map<String, String> operatorProperties(Path operatorKubeconfig) {
        return Map.of(
                // The `sandbox` profile: no leader election (prod only), loopback targets allowed.
                "quarkus.profile", "sandbox",
                "kubeconfig", operatorKubeconfig.toAbsolutePath().toString(),
                "sshtunnel.operator-namespace", OPERATOR_NAMESPACE,
                "sshtunnel.forwarder.image", FORWARDER_IMAGE,
                "quarkus.http.host", "127.0.0.1");
    }

    /** The operator's credentials as a kubeconfig, for running an operator in another process. */
    public Path operatorKubeconfig(Path file) throws IOException {
        return cluster.writeKubeconfig(file, "system:serviceaccount:" + OPERATOR_NAMESPACE + ":" + OPERATOR_SERVICE_ACCOUNT,
                operatorToken, OPERATOR_NAMESPACE);
    }

    /** Where the sandbox relays a Service port on this machine (kube-proxy's stand-in), once it does. */
    public Optional<InetSocketAddress> serviceRelay(String namespace, String service, String portName) {
        return proxies == null ? Optional.empty() : proxies.relay(namespace, service, portName);
    }

    /** Runs first when the sandbox closes, latest added first: what was started on top of it (--demo's servers). */
    void onClose(Runnable action) {
        closers.addFirst(action);
    }

    /** A port free on 127.0.0.1 now (for a listener started next). */
    static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Cluster admin, for what the sandbox itself applies (--demo). */
    KubernetesClient admin() {
        return admin;
    }

    @Override
    public void close() {
        closers.forEach(Runnable::run);
        closers.clear();
        DaemonThreads.stop(loop);
        if (proxies != null) {
            proxies.close();
        }
        if (node != null) {
            node.close();
            nodeClient.close();
        }
        admin.close();
        cluster.close();
    }
}
