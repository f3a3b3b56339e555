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

import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.ClusterSshBastion;
import dev.sshtunnel.api.v1alpha1.SshBastion;
import dev.sshtunnel.api.v1alpha1.SshBastionStatus;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.dependent.ForwarderLabels;
import dev.sshtunnel.sandbox.Sandbox;
import dev.sshtunnel.testing.AuditLog;
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
        Path log = PackagedJar.IT_LOGS.resolve("WatchNamespacesIT-operator.log");
        Process operator = startRelease(admin, RELEASE, OPS, List.of(WATCHED, ALSO_WATCHED), log);

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
     * Two releases (shards) sharing one ClusterSshBastion, each with its own tenant namespace; both watch the bastion's
     * credentials namespace, where their tunnels' forwarders run. Each reads every tunnel on the bastion, so both compute
     * the same port ledger and count: first come keeps the bind across shards, and neither rewrites what the other wrote.
     * Each tunnel's objects are written by its own release alone.
     */
    @Test
    void twoReleasesSharingAClusterSshBastionAgreeOnItsLedger() throws Exception {
        KubernetesClient admin = RealCluster.admin();
        String edge = "sh-edge";
        for (String namespace : List.of("sh-ops-a", "sh-ops-b", "sh-a", "sh-b", edge)) {
            RealCluster.namespace(namespace);
        }
        for (String tenant : List.of("sh-a", "sh-b")) {
            admin.namespaces().withName(tenant).edit(n -> {
                n.getMetadata().getLabels().put("team", "sh");
                return n;
            });
        }
        admin.resource(keySecret(edge, "key-v1")).create();
        admin.resource(TunnelFixtures.clusterBastion(edge, edge, "sh")).create();
        Process shardA = startRelease(admin, "shard-a", "sh-ops-a", List.of("sh-a", edge),
                PackagedJar.IT_LOGS.resolve("WatchNamespacesIT-shard-a.log"));
        Process shardB = startRelease(admin, "shard-b", "sh-ops-b", List.of("sh-b", edge),
                PackagedJar.IT_LOGS.resolve("WatchNamespacesIT-shard-b.log"));

        admin.resource(TunnelFixtures.onBastion("sh-a", "first", BastionKind.ClusterSshBastion, edge,
                TunnelFixtures.remote("hook", 8001, "web.sh-a.svc", 80))).create();
        admin.resource(TunnelFixtures.onBastion("sh-b", "second", BastionKind.ClusterSshBastion, edge,
                TunnelFixtures.remote("hook", 8002, "web.sh-b.svc", 80))).create();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> ledger(admin, edge),
                "sh-a/first/hook localhost:8001 sh-b/second/hook localhost:8002"::equals);
        // Later, in shard-b, shard-a's port: held by the tunnel that asked first, in the other shard.
        admin.resource(TunnelFixtures.onBastion("sh-b", "late", BastionKind.ClusterSshBastion, edge,
                TunnelFixtures.remote("hook", 8001, "web.sh-b.svc", 80))).create();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            SshTunnel late = admin.resources(SshTunnel.class).inNamespace("sh-b").withName("late").get();
            assertThat(readyReason(late.getStatus())).isEqualTo("PortConflict");
            assertThat(ready(late.getStatus()).map(Condition::getMessage)).hasValueSatisfying(m -> assertThat(m).contains("held by sh-a/first"));
            assertThat(admin.resources(ClusterSshBastion.class).withName(edge).get().getStatus().getTunnels()).isEqualTo(3);
            // Past the ledger, each first-comer runs (as far as a cluster without a node goes): its release found the
            // bastion's Secret, created before either release started, in the credentials namespace both watch.
            for (String[] tunnel : new String[][] {{"sh-a", "first"}, {"sh-b", "second"}}) {
                assertThat(readyReason(admin.resources(SshTunnel.class).inNamespace(tunnel[0]).withName(tunnel[1]).get().getStatus()))
                        .as(tunnel[0] + "/" + tunnel[1]).isEqualTo("ForwarderUnavailable");
            }
        });
        assertThat(ledger(admin, edge)).isEqualTo("sh-a/first/hook localhost:8001 sh-b/second/hook localhost:8002");

        // No fight: both releases agree, so neither writes the bastion again.
        String version = admin.resources(ClusterSshBastion.class).withName(edge).get().getMetadata().getResourceVersion();
        for (int second = 0; second < 10; second++) {
            Thread.sleep(1000);
            assertThat(admin.resources(ClusterSshBastion.class).withName(edge).get().getMetadata().getResourceVersion())
                    .as("the bastion's resourceVersion %d s later (ledger %s)", second + 1, ledger(admin, edge)).isEqualTo(version);
        }

        // Each tunnel's objects, in its namespace and in the credentials namespace, are its own release's to write.
        Map<String, String> tenantOf = new TreeMap<>();
        for (Class<? extends HasMetadata> kind : List.of(Deployment.class, ConfigMap.class, io.fabric8.kubernetes.api.model.Service.class,
                io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class, io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class)) {
            admin.resources(kind).inNamespace(edge).withLabel(ForwarderLabels.TUNNEL_NAMESPACE).list().getItems()
                    .forEach(o -> tenantOf.put(o.getKind() + "/" + o.getMetadata().getName(),
                            o.getMetadata().getLabels().get(ForwarderLabels.TUNNEL_NAMESPACE)));
        }
        assertThat(tenantOf).as("forwarder objects in %s", edge).containsValues("sh-a", "sh-b");
        AuditLog audit = AuditLog.read(RealCluster.logs().resolve("audit.log"));
        Map<String, String> tenantOfRelease = Map.of("system:serviceaccount:sh-ops-a:shard-a", "sh-a",
                "system:serviceaccount:sh-ops-b:shard-b", "sh-b");
        Map<String, String> kindOf = Map.of("apps/deployments", "Deployment", "/configmaps", "ConfigMap", "/services", "Service",
                "networking.k8s.io/networkpolicies", "NetworkPolicy", "policy/poddisruptionbudgets", "PodDisruptionBudget");
        List<String> written = new ArrayList<>();
        for (AuditLog.Entry entry : audit.entries()) {
            String tenant = tenantOfRelease.get(entry.user());
            String verb = entry.permission().substring(entry.permission().lastIndexOf(':') + 1);
            if (tenant == null || !List.of("create", "update", "patch", "delete").contains(verb)) {
                continue;
            }
            String resource = entry.permission().substring(0, entry.permission().lastIndexOf(':'));
            written.add(entry.user() + " " + entry.permission() + " " + entry.namespace() + "/" + entry.name());
            if (List.of("sh-a", "sh-b").contains(entry.namespace())) {
                assertThat(entry.namespace()).as("%s %s %s", entry.user(), entry.permission(), entry.name()).isEqualTo(tenant);
            }
            if (entry.namespace().equals(edge) && kindOf.containsKey(resource)) {
                assertThat(tenantOf.get(kindOf.get(resource) + "/" + entry.name()))
                        .as("the tunnel namespace of %s %s/%s, written by %s", resource, edge, entry.name(), entry.user()).isEqualTo(tenant);
            }
        }
        assertThat(written).as("each release wrote its own tunnels' objects and status")
                .anyMatch(w -> w.startsWith("system:serviceaccount:sh-ops-a:shard-a apps/deployments:patch " + edge + "/"))
                .anyMatch(w -> w.startsWith("system:serviceaccount:sh-ops-b:shard-b apps/deployments:patch " + edge + "/"))
                .anyMatch(w -> w.startsWith("system:serviceaccount:sh-ops-a:shard-a sshtunnel.dev/sshtunnels/status:update sh-a/first"))
                .anyMatch(w -> w.startsWith("system:serviceaccount:sh-ops-b:shard-b sshtunnel.dev/sshtunnels/status:update sh-b/late"));

        for (Process shard : List.of(shardA, shardB)) {
            assertThat(shard.isAlive()).isTrue();
        }
        for (String log : List.of("WatchNamespacesIT-shard-a.log", "WatchNamespacesIT-shard-b.log")) {
            assertThat(PackagedJar.read(PackagedJar.IT_LOGS.resolve(log))).as(log).doesNotContain("403").doesNotContainIgnoringCase("forbidden");
        }
    }

    private static String ledger(KubernetesClient admin, String bastion) {
        SshBastionStatus status = admin.resources(ClusterSshBastion.class).withName(bastion).get().getStatus();
        return status == null ? "" : String.join(" ", status.getAllocations().stream()
                .map(a -> a.getNamespace() + "/" + a.getTunnel() + "/" + a.getForward() + " " + a.getBindAddress() + ":" + a.getPort()).toList());
    }

    /**
     * Renders the chart as release {@code release} in {@code ops} watching {@code watched}, installs it and starts the
     * packaged operator as the release's ServiceAccount; returns once the operator is ready.
     */
    private Process startRelease(KubernetesClient admin, String release, String ops, List<String> watched, Path log) throws Exception {
        Map<String, String> env = install(admin, EcosystemTools.helm(null, "template", release, HelmChartIT.CHART.toString(),
                "--namespace", ops, "--kube-version", "1.35.4", "--set", "watchNamespaces={" + String.join(",", watched) + "}"),
                release, ops, watched);
        int port = Ports.free();
        Process operator = jar.start(log, env, List.of("-Dkubeconfig=" + kubeconfig(Sandbox.serviceAccountToken(admin, ops, release), ops),
                "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1"), "operator");
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> !operator.isAlive() || ready(port));
        assertThat(operator.isAlive()).as("the operator %s is still running: %s", release, tail(log)).isTrue();
        return operator;
    }

    /**
     * Installs what the rendered chart gives the operator's identity (ServiceAccount, RBAC, its admission policy, the
     * guard-rail ConfigMap) and returns the environment its Deployment sets: env values and the ConfigMap's data.
     */
    private static Map<String, String> install(KubernetesClient admin, String rendered, String release, String ops, List<String> watched) {
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
                    object.getMetadata().setNamespace(ops);
                }
                admin.resource(object).forceConflicts().serverSideApply();
                installed.add(object.getKind() + "/" + object.getMetadata().getNamespace() + "/" + object.getMetadata().getName());
                if (object instanceof ConfigMap configMap && configMap.getData() != null) {
                    env.putAll(configMap.getData());
                }
            }
        }
        assertThat(installed).containsAll(watched.stream().map(namespace -> "Role/" + namespace + "/" + release).toList());
        assertThat(deployment).as("the chart's Deployment").isNotNull();
        for (var variable : deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
            if (variable.getValue() != null) {
                env.put(variable.getName(), variable.getValue());
            }
        }
        env.put("SSHTUNNEL_OPERATOR_NAMESPACE", ops); // valueFrom metadata.namespace
        return env;
    }

    private Path kubeconfig(String token, String ops) throws java.io.IOException {
        Path file = dir.resolve(ops + ".kubeconfig");
        String ca = Base64.getEncoder().encodeToString(RealCluster.caPem().getBytes(StandardCharsets.US_ASCII));
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "%s", certificate-authority-data: %s}}]
                users: [{name: operator, user: {token: "%s"}}]
                contexts: [{name: c, context: {cluster: c, user: operator, namespace: %s}}]
                current-context: c
                """.formatted(RealCluster.url(), ca, token, ops));
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

    private static Optional<Condition> ready(dev.sshtunnel.api.v1alpha1.SshTunnelStatus status) {
        return status == null ? Optional.empty() : status.getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst();
    }

    private static Optional<Condition> ready(SshBastionStatus status) {
        return status == null ? Optional.empty() : status.getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst();
    }

    private static String tail(Path log) {
        String text = PackagedJar.read(log);
        return text.substring(Math.max(0, text.length() - 6000));
    }
}
