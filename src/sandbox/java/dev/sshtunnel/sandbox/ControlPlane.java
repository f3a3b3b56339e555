package dev.sshtunnel.sandbox;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * The official Kubernetes control plane on this machine: etcd, kube-apiserver (secure port on
 * 127.0.0.1, RBAC and Node authorization, the default admission plugins with PodSecurity plus
 * NodeRestriction), kube-controller-manager (every default controller, one ServiceAccount per
 * controller) and kube-scheduler, started from the binaries hack/kube-binaries.sh builds. Keys and
 * certificates are generated at every start; clients authenticate with bearer tokens from a static
 * token file (admin in system:masters, the controller-manager, the scheduler, and one node identity
 * for the node agent). Each process logs to {@code workDir/logs/NAME.log}.
 */
public final class ControlPlane implements AutoCloseable {

    /** First address of the service CIDR: the `kubernetes` Service, which only the test node's kube-proxy serves. */
    static final String KUBERNETES_SERVICE_IP = "10.96.0.1";
    /** Where ClusterIPs come from (--service-cluster-ip-range). */
    public static final String SERVICE_CIDR = "10.96.0.0/16";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    /** How long the components get after SIGTERM; with the kill and the node agent's stop, the sandbox ends within 10 s. */
    private static final Duration TERMINATION_GRACE = Duration.ofSeconds(4);

    public record Options(Path binaries, Path workDir, int apiPort, String nodeName, Consumer<String> log) {
    }

    private final Options options;
    private final Path binaries;
    private final Path logs;
    private final ClusterPki pki;
    private final String adminToken = ClusterPki.newToken();
    private final String nodeToken = ClusterPki.newToken();
    private final int etcdPort;
    private final int etcdPeerPort;
    private final int apiPort;
    private final Path adminKubeconfig;
    private final HttpClient probe;
    private final List<ChildProcess> others = new ArrayList<>();
    private volatile ChildProcess etcd;
    private volatile ChildProcess apiServer;
    private final ScheduledExecutorService supervisor =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("control-plane-supervisor"));

    private ControlPlane(Options options) throws IOException {
        this.options = options;
        binaries = KubeBinaries.locate(options.binaries());
        Path dir = options.workDir().toAbsolutePath();
        logs = dir.resolve("logs");
        Files.createDirectories(logs);
        pki = ClusterPki.generate(dir.resolve("pki"));
        etcdPort = freePort();
        etcdPeerPort = freePort();
        apiPort = options.apiPort() > 0 ? options.apiPort() : freePort();
        String controllerManagerToken = ClusterPki.newToken();
        String schedulerToken = ClusterPki.newToken();
        Files.writeString(dir.resolve("pki/tokens.csv"), String.join("\n",
                adminToken + ",sandbox-admin,sandbox-admin,\"system:masters\"",
                controllerManagerToken + ",system:kube-controller-manager,system:kube-controller-manager",
                schedulerToken + ",system:kube-scheduler,system:kube-scheduler",
                nodeToken + ",system:node:" + options.nodeName() + ",node-" + options.nodeName() + ",\"system:nodes\"") + "\n");
        adminKubeconfig = writeKubeconfig(dir.resolve("kubeconfig"), "sandbox-admin", adminToken, "default");
        Path controllerManagerKubeconfig = writeKubeconfig(dir.resolve("pki/controller-manager.kubeconfig"),
                "system:kube-controller-manager", controllerManagerToken, "default");
        Path schedulerKubeconfig = writeKubeconfig(dir.resolve("pki/scheduler.kubeconfig"), "system:kube-scheduler",
                schedulerToken, "default");
        probe = HttpClient.newBuilder().sslContext(trusting(pki.caPem())).connectTimeout(Duration.ofSeconds(2)).build();
        Path dataDir = dir.resolve("etcd");
        try {
            startEtcd(dataDir);
            awaitEtcd();
            startApiServer();
            others.add(component("kube-controller-manager", controllerManagerKubeconfig,
                    "--root-ca-file=" + pki.caCertificate,
                    "--service-account-private-key-file=" + pki.serviceAccountPrivateKey,
                    "--use-service-account-credentials=true",
                    "--service-cluster-ip-range=" + SERVICE_CIDR,
                    // The node agent is the only node; it reports itself every 10 s.
                    "--node-monitor-grace-period=40s"));
            others.add(component("kube-scheduler", schedulerKubeconfig));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    public static ControlPlane start(Options options) throws IOException {
        ControlPlane plane = new ControlPlane(options);
        plane.supervisor.scheduleWithFixedDelay(plane::restartExited, 1, 1, TimeUnit.SECONDS);
        plane.log("control plane (" + plane.binaries + ") ready at " + plane.url() + " in logs " + plane.logs);
        return plane;
    }

    public String url() {
        return "https://127.0.0.1:" + apiPort;
    }

    /** kubeconfig of the cluster admin (system:masters), for kubectl. */
    public Path adminKubeconfig() {
        return adminKubeconfig;
    }

    public String caPem() throws IOException {
        return pki.caPem();
    }

    public Path logs() {
        return logs;
    }

    /** The node agent's identity (`system:node:NAME` in `system:nodes`): Node authorization applies to it. */
    public String nodeToken() {
        return nodeToken;
    }

    /** Bearer token of the cluster admin (system:masters). */
    public String adminToken() {
        return adminToken;
    }

    public KubernetesClient adminClient() throws IOException {
        return client(adminToken);
    }

    /** A client that authenticates with the given bearer token (e.g. one from the TokenRequest API). */
    public KubernetesClient client(String token) throws IOException {
        return new KubernetesClientBuilder().withConfig(clientConfig(token)).build();
    }

    public Config clientConfig(String token) throws IOException {
        return clientConfig(url(), caPem(), token);
    }

    /** A client configuration for an API server, its CA (PEM) and a bearer token; nothing read from ~/.kube. */
    public static Config clientConfig(String url, String caPem, String token) {
        return new ConfigBuilder(Config.empty()).withMasterUrl(url).withOauthToken(token)
                .withCaCertData(Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.US_ASCII)))
                .withRequestTimeout(30_000).withConnectionTimeout(5_000).build();
    }

    /** Writes a kubeconfig for a bearer token, e.g. for kubectl as a ServiceAccount. */
    public Path writeKubeconfig(Path file, String user, String token, String namespace) throws IOException {
        String ca = Base64.getEncoder().encodeToString(pki.caPem().getBytes(StandardCharsets.US_ASCII));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: sandbox
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: %s
                  user:
                    token: %s
                contexts:
                - name: sandbox
                  context: {cluster: sandbox, user: %s, namespace: %s}
                current-context: sandbox
                """.formatted(url(), ca, user, token, user, namespace));
        return file;
    }

    /** kube-apiserver on its port, with this start's keys; waits for /readyz. */
    private void startApiServer() throws IOException {
        apiServer = ChildProcess.start("kube-apiserver", List.of(binary("kube-apiserver"),
                "--etcd-servers=http://127.0.0.1:" + etcdPort,
                "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + apiPort,
                "--tls-cert-file=" + pki.servingCertificate, "--tls-private-key-file=" + pki.servingKey,
                "--client-ca-file=" + pki.caCertificate,
                "--token-auth-file=" + pki.caCertificate.resolveSibling("tokens.csv"),
                "--authorization-mode=Node,RBAC",
                "--enable-admission-plugins=NodeRestriction",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=" + pki.serviceAccountPublicKey,
                "--service-account-signing-key-file=" + pki.serviceAccountPrivateKey,
                "--service-cluster-ip-range=" + SERVICE_CIDR,
                // The `kubernetes` Service would point at 127.0.0.1, which Endpoints refuse.
                "--endpoint-reconciler-type=none",
                // Every request, who sent it and the answer: tests read RBAC use and refusals from here.
                "--audit-policy-file=" + auditPolicy(), "--audit-log-path=" + auditLog(),
                "--audit-log-format=json", "--audit-log-maxsize=200",
                "--profiling=false"), logs.resolve("kube-apiserver.log"));
        awaitReady(apiServer, "/readyz");
    }

    /** The API server's audit log (JSON lines, Metadata level: user, verb, resource, response code). */
    private Path auditLog() {
        return logs.resolve("audit.log");
    }

    private Path auditPolicy() throws IOException {
        Path policy = pki.caCertificate.resolveSibling("audit-policy.yaml");
        Files.writeString(policy, """
                apiVersion: audit.k8s.io/v1
                kind: Policy
                omitStages: [RequestReceived]
                rules:
                - level: Metadata
                """);
        return policy;
    }

    private void startEtcd(Path dataDir) throws IOException {
        String peer = "http://127.0.0.1:" + etcdPeerPort;
        String client = "http://127.0.0.1:" + etcdPort;
        etcd = ChildProcess.start("etcd", List.of(binary("etcd"), "--name=sandbox", "--data-dir=" + dataDir,
                "--listen-client-urls=" + client, "--advertise-client-urls=" + client,
                "--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
                "--initial-cluster=sandbox=" + peer, "--unsafe-no-fsync=true", "--log-level=warn"),
                logs.resolve("etcd.log"));
    }

    private void awaitEtcd() throws IOException {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        while (true) {
            try {
                if (plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + etcdPort + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for etcd", e);
            }
            pause(etcd, deadline, "/health");
        }
    }

    private void awaitReady(ChildProcess process, String path) throws IOException {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (true) {
            try {
                HttpResponse<String> response = probe.send(HttpRequest.newBuilder(URI.create(url() + path))
                        .header("Authorization", "Bearer " + adminToken).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for " + process.name(), e);
            }
            pause(process, deadline, path);
        }
    }

    private void pause(ChildProcess process, Instant deadline, String path) throws IOException {
        if (!process.alive()) {
            throw new IOException(process.name() + " exited; see " + logs.resolve(process.name() + ".log"));
        }
        if (Instant.now().isAfter(deadline)) {
            throw new IOException(process.name() + " not ready (" + path + ") within " + READY_TIMEOUT.toSeconds()
                    + " s; see " + logs.resolve(process.name() + ".log"));
        }
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** A component that died (crash, OOM, kill -9) is started again, as the kubelet does for static pods. */
    private void restartExited() {
        List<ChildProcess> all = new ArrayList<>(others);
        all.add(etcd);
        all.add(apiServer);
        for (ChildProcess child : all) {
            try {
                int code = child.restartIfExited();
                if (code >= 0) {
                    log(child.name() + " exited (code " + code + "); restarted (" + child.restarts() + " restarts)");
                }
            } catch (IOException e) {
                log(child.name() + " exited and cannot be restarted: " + e.getMessage());
            }
        }
    }

    /** kube-controller-manager or kube-scheduler: its kubeconfig for everything, loopback, no leader election. */
    private ChildProcess component(String name, Path kubeconfig, String... flags) throws IOException {
        List<String> command = new ArrayList<>(List.of(binary(name),
                "--kubeconfig=" + kubeconfig, "--authentication-kubeconfig=" + kubeconfig,
                "--authorization-kubeconfig=" + kubeconfig,
                "--bind-address=127.0.0.1", "--secure-port=" + freePort(),
                "--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics",
                "--leader-elect=false"));
        command.addAll(List.of(flags));
        return ChildProcess.start(name, command, logs.resolve(name + ".log"));
    }

    private String binary(String name) {
        return binaries.resolve(name).toString();
    }

    private void log(String line) {
        options.log().accept(line);
    }

    private static SSLContext trusting(String caPem) throws IOException {
        try (InputStream in = new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust the control plane's CA: " + e.getMessage(), e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * SIGTERM to every component at once, SIGKILL to whatever still runs after {@link #TERMINATION_GRACE}; returns
     * only when all of them, and the watchdogs around them, have exited. A bounded stop, so that a sandbox started
     * again at once does not race the old one's ports, and no test run leaves an API server behind.
     */
    @Override
    public void close() {
        supervisor.shutdownNow();
        List<ChildProcess> all = new ArrayList<>(others);
        if (apiServer != null) {
            all.add(apiServer);
        }
        if (etcd != null) {
            all.add(etcd);
        }
        all.forEach(ChildProcess::terminate);
        Instant deadline = Instant.now().plus(TERMINATION_GRACE);
        try {
            for (ChildProcess child : all) {
                if (!child.awaitExit(deadline)) {
                    log(child.name() + " did not stop within " + TERMINATION_GRACE.toSeconds() + " s of SIGTERM: killed");
                }
                child.kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            all.forEach(child -> {
                try {
                    child.kill();
                } catch (InterruptedException again) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }
}
