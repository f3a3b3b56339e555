package dev.sshtunnel.deploy;

import static dev.sshtunnel.testing.TunnelFixtures.keySecret;
import static dev.sshtunnel.testing.TunnelFixtures.local;
import static dev.sshtunnel.testing.TunnelFixtures.tunnel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.sshtunnel.api.v1alpha1.ClusterSshBastion;
import dev.sshtunnel.api.v1alpha1.SshBastion;
import dev.sshtunnel.api.v1alpha1.SshBastionStatus;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.sandbox.Sandbox;
import dev.sshtunnel.testing.EcosystemTools;
import dev.sshtunnel.testing.PackagedJar;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.RealCluster;
import dev.sshtunnel.testing.TunnelFixtures;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The chart with watchNamespaces, run for real: its RBAC (Roles in the watched namespaces, the cluster-scoped rest in a
 * ClusterRole) installed on the real API server, and the packaged operator started as the release's ServiceAccount with
 * the environment the chart's Deployment gives it. Every controller starts within those rules (no 403), tunnels and
 * bastions in watched namespaces are reconciled, others are left alone, and a ClusterSshBastion whose credentials
 * namespace is not watched says so.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class WatchNamespacesIT {

    private static final String RELEASE = "watchns";
    private static final String OPS = "wn-ops";
    private static final String WATCHED = "wn-a";
    private static final String ALSO_WATCHED = "wn-b";
    private static final String UNWATCHED = "wn-c";

    @TempDir
    Path dir;

    private final PackagedJar jar = new PackagedJar();

    @AfterEach
    void stop() throws InterruptedException {
        jar.close();
    }

    @Test
    void operatorRunsWithinTheRolesAndReconcilesOnlyWatchedNamespaces() throws Exception {
        KubernetesClient admin = RealCluster.admin();
        for (String namespace : List.of(OPS, WATCHED, ALSO_WATCHED, UNWATCHED)) {
            RealCluster.namespace(namespace);
        }
        Map<String, String> env = install(admin, EcosystemTools.helm(null, "template", RELEASE, HelmChartIT.CHART.toString(),
                "--namespace", OPS, "--kube-version", "1.35.4", "--set", "watchNamespaces={" + WATCHED + "," + ALSO_WATCHED + "}"));
        int port = Ports.free();
        Path log = PackagedJar.IT_LOGS.resolve("WatchNamespacesIT-operator.log");
        Process operator = jar.start(log, env, List.of("-Dkubeconfig=" + kubeconfig(Sandbox.serviceAccountToken(admin, OPS, RELEASE)),
                "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1"), "operator");

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> !operator.isAlive() || ready(port));
        assertThat(operator.isAlive()).as("the operator is still running: %s", tail(log)).isTrue();

        admin.resource(keySecret(WATCHED, "key-v1")).create();
        admin.resource(keySecret(UNWATCHED, "key-v1")).create();
        admin.resource(tunnel(WATCHED, "warehouse", local("postgres", 5432, "db", 5432))).create();
        admin.resource(tunnel(UNWATCHED, "warehouse", local("postgres", 5432, "db", 5432))).create();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(admin.configMaps().inNamespace(WATCHED).withName("warehouse-tunnel").get()).isNotNull();
            assertThat(admin.apps().deployments().inNamespace(WATCHED).withName("warehouse").get()).isNotNull();
            assertThat(admin.services().inNamespace(WATCHED).withName("warehouse").get()).isNotNull();
            assertThat(readyReason(admin.resources(SshTunnel.class).inNamespace(WATCHED).withName("warehouse").get().getStatus()))
                    .isEqualTo("ForwarderUnavailable");
        });

        // Bastions: an SshBastion in a watched namespace, a ClusterSshBastion with its Secrets in one, and one without.
        var own = new SshBastion();
        own.setMetadata(new ObjectMetaBuilder().withName("own").withNamespace(WATCHED).build());
        var ownSpec = new dev.sshtunnel.api.v1alpha1.SshBastionSpec();
        ownSpec.setSsh(tunnel(WATCHED, "x").getSpec().getSsh());
        own.setSpec(ownSpec);
        admin.resource(own).create();
        admin.resource(TunnelFixtures.clusterBastion("wn-watched", WATCHED, "wn")).create();
        admin.resource(TunnelFixtures.clusterBastion("wn-unwatched", UNWATCHED, "wn")).create();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(ready(admin.resources(SshBastion.class).inNamespace(WATCHED).withName("own").get().getStatus()))
                    .map(Condition::getReason).hasValue("Accepted");
            assertThat(ready(admin.resources(ClusterSshBastion.class).withName("wn-watched").get().getStatus()))
                    .map(Condition::getReason).hasValue("Accepted");
            Optional<Condition> unwatched = ready(admin.resources(ClusterSshBastion.class).withName("wn-unwatched").get().getStatus());
            assertThat(unwatched).map(Condition::getStatus).hasValue("False");
            assertThat(unwatched).map(Condition::getReason).hasValue("CredentialsNamespaceNotWatched");
            assertThat(unwatched.get().getMessage()).contains(UNWATCHED, "watchNamespaces");
        });

        // A tunnel in a watched namespace on the ClusterSshBastion: the grant (namespace labels) and the bastion are read
        // through the tunnel controller's cluster-scoped informers, and its forwarder runs in the credentials namespace.
        admin.namespaces().withName(WATCHED).edit(n -> {
            n.getMetadata().getLabels().put("team", "wn");
            return n;
        });
        admin.resource(TunnelFixtures.onBastion(WATCHED, "on-edge", dev.sshtunnel.api.v1alpha1.BastionKind.ClusterSshBastion,
                "wn-watched", local("postgres", 5432, "db", 5432))).create();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(readyReason(admin.resources(SshTunnel.class)
                .inNamespace(WATCHED).withName("on-edge").get().getStatus())).isEqualTo("ForwarderUnavailable"));
        assertThat(admin.apps().deployments().inNamespace(WATCHED).withName("on-edge").get()).isNotNull();
        // On the bastion whose credentials namespace is not watched: refused before any write there (which RBAC would
        // refuse with 403, caught by the log check below), naming the bastion but not the platform's namespace.
        admin.resource(TunnelFixtures.onBastion(WATCHED, "on-unwatched", dev.sshtunnel.api.v1alpha1.BastionKind.ClusterSshBastion,
                "wn-unwatched", local("postgres", 5432, "db", 5432))).create();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(readyReason(admin.resources(SshTunnel.class)
                .inNamespace(WATCHED).withName("on-unwatched").get().getStatus())).isEqualTo("CredentialsNamespaceNotWatched"));
        assertThat(admin.apps().deployments().inNamespace(UNWATCHED).list().getItems()).isEmpty();

        // Unwatched: no status, no objects, long after the watched tunnel was served.
        assertThat(admin.resources(SshTunnel.class).inNamespace(UNWATCHED).withName("warehouse").get().getStatus()).isNull();
        assertThat(admin.apps().deployments().inNamespace(UNWATCHED).list().getItems()).isEmpty();
        assertThat(admin.configMaps().inNamespace(UNWATCHED).withName("warehouse-tunnel").get()).isNull();

        assertThat(operator.isAlive()).as("the operator is still running: %s", tail(log)).isTrue();
        assertThat(PackagedJar.read(log)).as("the operator's log").doesNotContain("403").doesNotContainIgnoringCase("forbidden");
    }

    /**
     * Installs what the rendered chart gives the operator's identity (ServiceAccount, RBAC, its admission policy, the
     * guard-rail ConfigMap) and returns the environment its Deployment sets: env values and the ConfigMap's data.
     */
    private static Map<String, String> install(KubernetesClient admin, String rendered) {
        Map<String, String> env = new TreeMap<>();
        List<String> installed = new ArrayList<>();
        Deployment deployment = null;
        for (HasMetadata object : admin.load(new ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8))).items()) {
            if (object instanceof Deployment d) {
                deployment = d;
            }
            if (List.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap",
                    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding").contains(object.getKind())) {
                if (object.getMetadata().getNamespace() == null && !object.getKind().startsWith("Cluster")
                        && !object.getKind().startsWith("ValidatingAdmissionPolicy")) {
                    object.getMetadata().setNamespace(OPS);
                }
                admin.resource(object).forceConflicts().serverSideApply();
                installed.add(object.getKind() + "/" + object.getMetadata().getNamespace() + "/" + object.getMetadata().getName());
                if (object instanceof ConfigMap configMap && configMap.getData() != null) {
                    env.putAll(configMap.getData());
                }
            }
        }
        assertThat(installed).contains("Role/" + WATCHED + "/" + RELEASE, "Role/" + ALSO_WATCHED + "/" + RELEASE);
        assertThat(deployment).as("the chart's Deployment").isNotNull();
        for (var variable : deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
            if (variable.getValue() != null) {
                env.put(variable.getName(), variable.getValue());
            }
        }
        env.put("SSHTUNNEL_OPERATOR_NAMESPACE", OPS); // valueFrom metadata.namespace
        return env;
    }

    private Path kubeconfig(String token) throws java.io.IOException {
        Path file = dir.resolve("operator.kubeconfig");
        String ca = Base64.getEncoder().encodeToString(RealCluster.caPem().getBytes(StandardCharsets.US_ASCII));
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "%s", certificate-authority-data: %s}}]
                users: [{name: operator, user: {token: "%s"}}]
                contexts: [{name: c, context: {cluster: c, user: operator, namespace: %s}}]
                current-context: c
                """.formatted(RealCluster.url(), ca, token, OPS));
        return file;
    }

    private static boolean ready(int port) {
        try {
            var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String readyReason(dev.sshtunnel.api.v1alpha1.SshTunnelStatus status) {
        return status == null ? "" : status.getConditions().stream().filter(c -> c.getType().equals("Ready"))
                .map(Condition::getReason).findFirst().orElse("");
    }

    private static Optional<Condition> ready(SshBastionStatus status) {
        return status == null ? Optional.empty() : status.getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst();
    }

    private static String tail(Path log) {
        String text = PackagedJar.read(log);
        return text.substring(Math.max(0, text.length() - 6000));
    }
}
