package dev.sshtunnel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.sshtunnel.sandbox.ControlPlane;
import dev.sshtunnel.sandbox.Sandbox;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * The real control plane for integration tests: one per test JVM (failsafe runs each *IT class in a JVM
 * of its own, reuseForks=false; the unit tests share one JVM and start none), started on
 * first use from the binaries hack/kube-binaries.sh builds (it is run here, and answers at once when
 * they are cached), with the three CRDs and deploy/'s namespace, ServiceAccount, RBAC and operator
 * admission policy installed. Logs, including the API
 * server's audit log, stay under target/control-plane/. Its coordinates are kept in system
 * properties, so the Quarkus test class loader and the JUnit one share the same cluster.
 */
public final class RealCluster {

    private static final String URL = "testing.cluster.url";
    private static final String CA = "testing.cluster.ca";
    private static final String ADMIN = "testing.cluster.admin-token";
    private static final String OPERATOR = "testing.cluster.operator-token";
    private static final String LOGS = "testing.cluster.logs";
    private static final String KUBECONFIG = "testing.cluster.kubeconfig";
    private static final String NODE = "testing.cluster.node-token";

    private static KubernetesClient admin;

    private RealCluster() {
    }

    /** Starts the cluster unless this JVM already has one. */
    public static synchronized void ensureStarted() {
        if (System.getProperty(URL) != null) {
            return;
        }
        try {
            Path work = Files.createTempDirectory(Files.createDirectories(Path.of("target", "control-plane")).toAbsolutePath(),
                    "cluster-");
            ControlPlane started = ControlPlane.start(new ControlPlane.Options(binaries(), work, 0, Sandbox.NODE_NAME,
                    line -> System.out.println("control plane: " + line)));
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "control-plane-stop"));
            try (KubernetesClient client = started.adminClient()) {
                Sandbox.installOperatorPrerequisites(client);
                publishApiServerEndpoint(client);
                System.setProperty(OPERATOR, Sandbox.serviceAccountToken(client, Sandbox.OPERATOR_NAMESPACE,
                        Sandbox.OPERATOR_SERVICE_ACCOUNT));
            }
            System.setProperty(CA, started.caPem());
            System.setProperty(ADMIN, started.adminToken());
            System.setProperty(LOGS, started.logs().toString());
            System.setProperty(KUBECONFIG, started.adminKubeconfig().toString());
            System.setProperty(NODE, started.nodeToken());
            System.setProperty(URL, started.url());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A real cluster's API server publishes its own address in the EndpointSlice of Service default/kubernetes; this
     * one listens on loopback, which endpoints refuse (ControlPlane turns the reconciler off), so a documentation
     * address (TEST-NET-1) stands in, before the operator starts: sshtunnel.guard-rails.deny-api-server reads it.
     * Only the test node ({@link KubeletNode}) connects to it: it holds the address inside its network namespace
     * and relays it to the API server, since its kube-proxy sends the `kubernetes` Service there.
     */
    public static final String API_SERVER_ENDPOINT = "192.0.2.10";
    public static final int API_SERVER_ENDPOINT_PORT = 6443;
    private static final String SERVICE_PROXY = "testing.cluster.service-proxy-token";

    private static void publishApiServerEndpoint(KubernetesClient client) {
        client.resource(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder()
                .withNewMetadata().withName("kubernetes").withNamespace("default")
                    .addToLabels("kubernetes.io/service-name", "kubernetes").endMetadata()
                .withAddressType("IPv4")
                .addNewEndpoint().withAddresses(API_SERVER_ENDPOINT).endEndpoint()
                .addNewPort().withName("https").withPort(API_SERVER_ENDPOINT_PORT).withProtocol("TCP").endPort()
                .build()).create();
    }

    public static String url() {
        ensureStarted();
        return System.getProperty(URL);
    }

    public static String caPem() {
        ensureStarted();
        return System.getProperty(CA);
    }

    public static Path logs() {
        ensureStarted();
        return Path.of(System.getProperty(LOGS));
    }

    /** The token of deploy/'s `sshtunnel-operator` ServiceAccount, from the TokenRequest API. */
    public static String operatorToken() {
        ensureStarted();
        return System.getProperty(OPERATOR);
    }

    /** The token of node {@link Sandbox#NODE_NAME} (`system:node:` in `system:nodes`), for a real kubelet. */
    public static String nodeToken() {
        ensureStarted();
        return System.getProperty(NODE);
    }

    /**
     * The token of ServiceAccount kube-system/kube-proxy bound to ClusterRole `system:node-proxier`, as kubeadm
     * deploys kube-proxy: what the test node's kube-proxy and its cluster DNS records read Services and
     * EndpointSlices as. Made on first use.
     */
    public static synchronized String serviceProxyToken() {
        if (System.getProperty(SERVICE_PROXY) == null) {
            KubernetesClient client = admin();
            client.resource(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder().withNewMetadata()
                    .withName("kube-proxy").withNamespace("kube-system").endMetadata().build()).serverSideApply();
            client.resource(new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder().withNewMetadata()
                    .withName("sshtunnel-test:node-proxier").endMetadata()
                    .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                        .withName("system:node-proxier").endRoleRef()
                    .addNewSubject().withKind("ServiceAccount").withName("kube-proxy").withNamespace("kube-system")
                        .endSubject()
                    .build()).serverSideApply();
            System.setProperty(SERVICE_PROXY, Sandbox.serviceAccountToken(client, "kube-system", "kube-proxy"));
        }
        return System.getProperty(SERVICE_PROXY);
    }

    /** Cluster admin (system:masters): what the test itself does. */
    public static synchronized KubernetesClient admin() {
        if (admin == null) {
            ensureStarted();
            admin = client(System.getProperty(ADMIN));
        }
        return admin;
    }

    public static KubernetesClient client(String token) {
        return new KubernetesClientBuilder().withConfig(config(token)).build();
    }

    public static Config config(String token) {
        return ControlPlane.clientConfig(url(), caPem(), token);
    }

    /** A kubeconfig for kubectl as cluster admin. */
    public static Path adminKubeconfig() {
        ensureStarted();
        return Path.of(System.getProperty(KUBECONFIG));
    }

    /**
     * Read, change, write as cluster admin — again on a conflict, as client-go's RetryOnConflict: the
     * operator writes status meanwhile.
     */
    public static <T extends io.fabric8.kubernetes.api.model.HasMetadata> void update(Class<T> type, String namespace,
            String name, java.util.function.Consumer<T> change) {
        for (int attempt = 1; ; attempt++) {
            T current = admin().resources(type).inNamespace(namespace).withName(name).get();
            change.accept(current);
            try {
                admin().resource(current).update();
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** Creates the namespace when it does not exist yet (tests share one cluster per class). */
    public static void namespace(String name) {
        admin().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).serverSideApply();
    }

    /** Runs hack/kube-binaries.sh (idempotent) and returns the directory it prints last. */
    public static Path binaries() throws IOException {
        return HackScripts.directory("hack/kube-binaries.sh");
    }
}
