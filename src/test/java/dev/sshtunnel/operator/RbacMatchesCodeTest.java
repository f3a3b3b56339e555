package dev.sshtunnel.operator;

import static dev.sshtunnel.operator.TunnelFixtures.dynamic;
import static dev.sshtunnel.operator.TunnelFixtures.keySecret;
import static dev.sshtunnel.operator.TunnelFixtures.local;
import static dev.sshtunnel.operator.TunnelFixtures.remote;
import static dev.sshtunnel.operator.TunnelFixtures.tunnel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * deploy/cluster-role.yaml grants exactly what the operator does: the test drives a tunnel
 * through its life (create, Secret rotation, readiness, Service removal, NetworkPolicy off), records every request
 * the operator sends to the API server, and compares verbs per resource with the ClusterRole.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(RbacMatchesCodeTest.FreshOperator.class)
class RbacMatchesCodeTest {

    /** A profile of its own restarts the operator and the mock server, so its start-up requests are recorded too. */
    public static class FreshOperator implements QuarkusTestProfile {
    }

    private static final String TEST_USER_AGENT = "rbac-test-driver";

    @KubernetesTestServer
    KubernetesServer server;

    @Test
    void clusterRoleAllowsExactlyWhatTheOperatorDoes() throws Exception {
        try (KubernetesClient driver = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(server.getClient().getConfiguration()).withUserAgent(TEST_USER_AGENT).build())
                .build()) {
            String ns = "rbac";
            driver.resource(keySecret(ns, "key-v1")).create();
            driver.resource(tunnel(ns, "warehouse", local("postgres", 5432, "db", 5432),
                    remote("hooks", 0, "web", 80), dynamic("proxy", 1080))).create();
            var deployment = await().atMost(Duration.ofSeconds(20)).until(
                    () -> driver.apps().deployments().inNamespace(ns).withName("warehouse").get(), d -> d != null);
            await().atMost(Duration.ofSeconds(20)).until(
                    () -> driver.services().inNamespace(ns).withName("warehouse").get(), s -> s != null);

            String hash = deployment.getSpec().getTemplate().getMetadata().getAnnotations().get(ConfigHash.ANNOTATION);
            driver.resource(keySecret(ns, "key-v2")).update();
            var rolled = await().atMost(Duration.ofSeconds(20)).until(
                    () -> driver.apps().deployments().inNamespace(ns).withName("warehouse").get(),
                    d -> !hash.equals(d.getSpec().getTemplate().getMetadata().getAnnotations().get(ConfigHash.ANNOTATION)));
            // Stands in for the kubelet: the mock replaces the whole object and tells the watchers.
            rolled.setStatus(new DeploymentStatusBuilder().withReplicas(1).withReadyReplicas(1).build());
            driver.resource(rolled).update();
            await().atMost(Duration.ofSeconds(20)).until(() -> readyReason(driver, ns), "Connected"::equals);

            SshTunnel annotated = driver.resources(SshTunnel.class).inNamespace(ns).withName("warehouse").get();
            var serviceSpec = new dev.sshtunnel.api.v1alpha1.ServiceSpec();
            serviceSpec.setAnnotations(java.util.Map.of("example.com/team", "data"));
            annotated.getSpec().setService(serviceSpec);
            annotated.getMetadata().setGeneration(annotated.getMetadata().getGeneration() + 1);
            driver.resource(annotated).update();
            await().atMost(Duration.ofSeconds(20)).until(
                    () -> driver.services().inNamespace(ns).withName("warehouse").get().getMetadata().getAnnotations(),
                    a -> "data".equals(a.get("example.com/team")));

            SshTunnel current = driver.resources(SshTunnel.class).inNamespace(ns).withName("warehouse").get();
            current.getSpec().setForwards(List.of(remote("hooks", 0, "web", 80)));
            current.getMetadata().setGeneration(current.getMetadata().getGeneration() + 1);
            driver.resource(current).update();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(driver.services().inNamespace(ns).withName("warehouse").get()).isNull());

            SshTunnel withoutPolicy = driver.resources(SshTunnel.class).inNamespace(ns).withName("warehouse").get();
            var policy = new dev.sshtunnel.api.v1alpha1.NetworkPolicySpec();
            policy.setEnabled(false);
            withoutPolicy.getSpec().setNetworkPolicy(policy);
            withoutPolicy.getMetadata().setGeneration(withoutPolicy.getMetadata().getGeneration() + 1);
            driver.resource(withoutPolicy).update();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(driver.network().v1().networkPolicies().inNamespace(ns).withName("warehouse").get()).isNull());
        }

        Set<String> used = operatorRequests();
        Set<String> granted = granted(Path.of("deploy/cluster-role.yaml"));
        assertThat(granted).as("ClusterRole grants everything the operator did (used: %s)", used).containsAll(used);
        assertThat(used).as("every granted verb is used (granted: %s)", granted).containsAll(granted);
    }

    private static String readyReason(KubernetesClient client, String ns) {
        SshTunnel tunnel = client.resources(SshTunnel.class).inNamespace(ns).withName("warehouse").get();
        if (tunnel.getStatus() == null) {
            return "";
        }
        return tunnel.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready"))
                .map(c -> c.getReason()).findFirst().orElse("");
    }

    /** "group/resource:verb" for every request not sent by the test driver. */
    private Set<String> operatorRequests() throws InterruptedException {
        Set<String> used = new TreeSet<>();
        RecordedRequest request;
        while ((request = server.getKubernetesMockServer().takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            String agent = request.getHeader("User-Agent");
            if (agent != null && agent.contains(TEST_USER_AGENT)) {
                continue;
            }
            used.add(ApiRequest.parse(request.getMethod(), request.getPath()).permission());
        }
        return used;
    }

    private static Set<String> granted(Path clusterRole) throws IOException {
        ClusterRole role = Serialization.unmarshal(Files.readString(clusterRole), ClusterRole.class);
        Set<String> granted = new TreeSet<>();
        for (PolicyRule rule : role.getRules()) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        granted.add(group + "/" + resource + ":" + verb);
                    }
                }
            }
        }
        return granted;
    }

    /** A request path and method as the API server's authorizer sees them. */
    record ApiRequest(String group, String resource, String verb) {

        String permission() {
            return group + "/" + resource + ":" + verb;
        }

        static ApiRequest parse(String method, String pathAndQuery) {
            String path = pathAndQuery.split("\\?", 2)[0];
            boolean watch = pathAndQuery.contains("watch=true");
            String[] parts = path.replaceFirst("^/", "").split("/");
            int index;
            String group;
            if (parts[0].equals("api")) {
                group = "";
                index = 2;
            } else {
                group = parts[1];
                index = 3;
            }
            if (parts.length > index + 1 && parts[index].equals("namespaces")) {
                index += 2;
            }
            String resource = parts[index];
            boolean named = parts.length > index + 1;
            if (parts.length > index + 2) {
                resource = resource + "/" + parts[index + 2];
            }
            String verb = switch (method) {
                case "GET" -> watch ? "watch" : named ? "get" : "list";
                case "POST" -> "create";
                case "PUT" -> "update";
                case "PATCH" -> "patch";
                case "DELETE" -> "delete";
                default -> method.toLowerCase();
            };
            return new ApiRequest(group, resource, verb);
        }
    }
}
