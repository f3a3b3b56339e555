package dev.sshtunnel.operator;

import static dev.sshtunnel.testing.TunnelFixtures.dynamic;
import static dev.sshtunnel.testing.TunnelFixtures.keySecret;
import static dev.sshtunnel.testing.TunnelFixtures.local;
import static dev.sshtunnel.testing.TunnelFixtures.remote;
import static dev.sshtunnel.testing.TunnelFixtures.tunnel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.ClusterSshBastion;
import dev.sshtunnel.api.v1alpha1.LoadBalancerSpec;
import dev.sshtunnel.api.v1alpha1.SshBastion;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.dependent.ForwarderLabels;
import dev.sshtunnel.operator.observe.PodVolumeRefresh;
import dev.sshtunnel.testing.AuditLog;
import dev.sshtunnel.testing.RealCluster;
import dev.sshtunnel.testing.RealClusterResource;
import dev.sshtunnel.testing.TunnelFixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * deploy/cluster-role.yaml grants exactly what the operator does: the test drives a tunnel through
 * its life (create, Secret rotation, Service annotations, two replicas and back, Service removal,
 * NetworkPolicy off; a tenant's tunnel on a bastion, granted, revoked and deleted) while the operator runs as deploy/'s
 * ServiceAccount on the real API server, then reads the API server's audit log: no request of the operator was refused
 * (neither by RBAC nor by the admission policy on its ServiceAccount), and the verbs it used per resource are exactly
 * the ClusterRole's.
 */
@QuarkusTest
@QuarkusTestResource(RealClusterResource.class)
class RbacMatchesCodeIT {

    @Test
    void clusterRoleAllowsExactlyWhatTheOperatorDoes() throws Exception {
        KubernetesClient driver = RealCluster.admin();
        String ns = "rbac";
        RealCluster.namespace(ns);
        driver.resource(keySecret(ns, "key-v1")).create();
        driver.resource(tunnel(ns, "warehouse", local("postgres", 5432, "db", 5432),
                remote("hooks", 9000, "web", 80), dynamic("proxy", 1080))).create(); // fixed port: replicas 2 allowed
        var deployment = await().atMost(Duration.ofSeconds(30)).until(
                () -> driver.apps().deployments().inNamespace(ns).withName("warehouse").get(), d -> d != null);
        await().atMost(Duration.ofSeconds(30)).until(
                () -> driver.services().inNamespace(ns).withName("warehouse").get(), s -> s != null);
        await().atMost(Duration.ofSeconds(30)).until(() -> readyReason(driver, ns), "ForwarderUnavailable"::equals);

        // No kubelet runs here, so the test reports the forwarder pod running, as one would (on an address nothing
        // listens on): the operator annotates it with its document's generation (PodVolumeRefresh), which it does to
        // running pods only.
        Pod pod = await().atMost(Duration.ofSeconds(30)).until(() -> driver.pods().inNamespace(ns)
                .withLabel(ForwarderLabels.INSTANCE, "warehouse").list().getItems(), pods -> !pods.isEmpty()).get(0);
        pod.setStatus(new PodStatusBuilder().withPhase("Running").withPodIP("127.255.0.1")
                .addNewPodIP().withIp("127.255.0.1").endPodIP().build());
        driver.pods().inNamespace(ns).resource(pod).updateStatus();
        await().atMost(Duration.ofSeconds(30)).until(() -> driver.pods().inNamespace(ns).withName(pod.getMetadata().getName()).get()
                .getMetadata().getAnnotations(), a -> a != null && a.containsKey(PodVolumeRefresh.ANNOTATION));

        // A change the running pods cannot take (their annotations) updates the Deployment's template.
        var forwarderSpec = new dev.sshtunnel.api.v1alpha1.ForwarderSpec();
        forwarderSpec.setPodAnnotations(java.util.Map.of("example.com/cost-centre", "42"));
        edit(ns, t -> t.getSpec().setForwarder(forwarderSpec));
        await().atMost(Duration.ofSeconds(30)).until(
                () -> driver.apps().deployments().inNamespace(ns).withName("warehouse").get(),
                d -> "42".equals(d.getSpec().getTemplate().getMetadata().getAnnotations().get("example.com/cost-centre")));
        assertThat(deployment.getMetadata().getGeneration()).isLessThan(
                driver.apps().deployments().inNamespace(ns).withName("warehouse").get().getMetadata().getGeneration());

        var serviceSpec = new dev.sshtunnel.api.v1alpha1.ServiceSpec();
        serviceSpec.setAnnotations(java.util.Map.of("example.com/team", "data"));
        edit(ns, t -> t.getSpec().setService(serviceSpec));
        await().atMost(Duration.ofSeconds(30)).until(
                () -> driver.services().inNamespace(ns).withName("warehouse").get().getMetadata().getAnnotations(),
                a -> a != null && "data".equals(a.get("example.com/team")));

        // Two pods get a disruption budget; back to one, it is deleted.
        edit(ns, t -> t.getSpec().setReplicas(2));
        await().atMost(Duration.ofSeconds(30)).until(
                () -> driver.policy().v1().podDisruptionBudget().inNamespace(ns).withName("warehouse").get(), b -> b != null);
        edit(ns, t -> t.getSpec().setReplicas(1));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(driver.policy().v1().podDisruptionBudget().inNamespace(ns).withName("warehouse").get()).isNull());

        edit(ns, t -> t.getSpec().setForwards(List.of(remote("hooks", 0, "web", 80))));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(driver.services().inNamespace(ns).withName("warehouse").get()).isNull());

        var policy = new dev.sshtunnel.api.v1alpha1.NetworkPolicySpec();
        policy.setEnabled(false);
        edit(ns, t -> t.getSpec().setNetworkPolicy(policy));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(driver.network().v1().networkPolicies().inNamespace(ns).withName("warehouse").get()).isNull());

        // The same transition twice (the Secret goes and comes back): the second event counts up the first.
        // The forwarder keeps running meanwhile, so SpecApplied carries the reason and Ready stays as it is.
        for (int i = 0; i < 2; i++) {
            driver.secrets().inNamespace(ns).withName("bastion-key").delete();
            await().atMost(Duration.ofSeconds(30)).until(() -> reason(driver, ns, "SpecApplied"), "SecretNotFound"::equals);
            driver.resource(keySecret(ns, "key-v2")).forceConflicts().serverSideApply();
            await().atMost(Duration.ofSeconds(30)).until(() -> reason(driver, ns, "SpecApplied"), "Applied"::equals);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> driver.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> "SecretNotFound".equals(e.getReason())).mapToInt(e -> e.getCount()).max().orElse(0), n -> n == 2);
        bastionLife(driver);
        loadBalancerLife(driver);
        Thread.sleep(2000); // the audit log is written when each request completes

        // All of it ran under deploy/operator-admission-policy.yaml (OperatorReachIT shows what it refuses).
        assertThat(driver.admissionRegistration().v1().validatingAdmissionPolicyBindings()
                .withName("sshtunnel-operator-own-objects").get()).as("the operator's admission policy is bound").isNotNull();
        AuditLog audit = AuditLog.read(RealCluster.logs().resolve("audit.log"));
        // 403: RBAC or the admission policy refused; 422: a policy expression failed (failurePolicy Fail).
        assertThat(audit.byOperator()).as("requests of the operator refused by RBAC or its admission policy")
                .filteredOn(e -> e.code() == 403 || e.code() == 422).isEmpty();
        Set<String> used = audit.operatorPermissions();
        Set<String> granted = granted(Path.of("deploy/cluster-role.yaml"));
        // deny-api-server: the API server's EndpointSlices, in namespace default only.
        Set<String> inDefault = granted(Path.of("deploy/api-server-addresses-role.yaml"));
        assertThat(inDefault).containsExactlyInAnyOrder("/services:list", "discovery.k8s.io/endpointslices:list");
        assertThat(audit.byOperator()).filteredOn(e -> e.permission().startsWith("discovery.k8s.io/endpointslices"))
                .as("EndpointSlices are read in namespace default only").isNotEmpty()
                .allMatch(e -> e.namespace().equals("default"));
        granted.addAll(inDefault);
        assertThat(granted).as("ClusterRole grants everything the operator did (used: %s)", used).containsAll(used);
        assertThat(used).as("every granted verb is used (granted: %s)", granted).containsAll(granted);
    }

    /**
     * A tenant's tunnel on a ClusterSshBastion (objects in the bastion's namespace, the finalizer, the ledger in the
     * bastion's status), its grant revoked (its forwarder removed) and restored, then the tunnel deleted; and an
     * SshBastion's status.
     */
    private static void bastionLife(KubernetesClient driver) {
        String platform = "rbac-platform";
        String tenant = "rbac-tenant";
        RealCluster.namespace(platform);
        RealCluster.namespace(tenant);
        driver.namespaces().withName(tenant).edit(n -> {
            n.getMetadata().getLabels().put("team", "rbac");
            return n;
        });
        driver.resource(keySecret(platform, "key-v1")).create();
        driver.resource(TunnelFixtures.clusterBastion("rbac-edge", platform, "rbac")).create();
        driver.resource(TunnelFixtures.onBastion(tenant, "granted", BastionKind.ClusterSshBastion, "rbac-edge",
                local("postgres", 5432, "db", 5432), remote("hooks", 8080, "web", 80))).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> driver.apps().deployments().inNamespace(platform)
                .withLabel("sshtunnel.dev/tunnel-name", "granted").list().getItems(), d -> d.size() == 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> driver.resources(ClusterSshBastion.class).withName("rbac-edge").get()
                .getStatus(), s -> s != null && s.getAllocations().size() == 1);
        driver.namespaces().withName(tenant).edit(n -> {
            n.getMetadata().getLabels().remove("team");
            return n;
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> driver.apps().deployments().inNamespace(platform)
                .withLabel("sshtunnel.dev/tunnel-name", "granted").list().getItems().isEmpty()
                && driver.configMaps().inNamespace(platform).withLabel("sshtunnel.dev/tunnel-name", "granted").list().getItems().isEmpty());
        driver.namespaces().withName(tenant).edit(n -> {
            n.getMetadata().getLabels().put("team", "rbac");
            return n;
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> driver.apps().deployments().inNamespace(platform)
                .withLabel("sshtunnel.dev/tunnel-name", "granted").list().getItems(), d -> d.size() == 1);
        driver.resources(SshTunnel.class).inNamespace(tenant).withName("granted").delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> driver.resources(SshTunnel.class).inNamespace(tenant).withName("granted")
                .get() == null);

        var own = new SshBastion();
        own.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("own").withNamespace(tenant).build());
        var ownSpec = new dev.sshtunnel.api.v1alpha1.SshBastionSpec();
        ownSpec.setSsh(TunnelFixtures.clusterBastion("x", tenant, "x").getSpec().getSsh());
        own.setSpec(ownSpec);
        driver.resource(own).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> driver.resources(SshBastion.class).inNamespace(tenant).withName("own").get()
                .getStatus() != null);
    }

    /**
     * A LoadBalancer Service of class sshtunnel.dev/ssh: its tunnel generated, its status and an event written; then it
     * leaves the class (type ClusterIP): its tunnel deleted and what the operator wrote in its status removed.
     */
    private static void loadBalancerLife(KubernetesClient driver) {
        String ns = "rbac-lb";
        RealCluster.namespace(ns);
        driver.namespaces().withName(ns).edit(n -> {
            n.getMetadata().getLabels().put("team", "rbac-lb");
            return n;
        });
        ClusterSshBastion bastion = TunnelFixtures.clusterBastion("rbac-lb", "rbac-platform", "rbac-lb");
        LoadBalancerSpec loadBalancer = new LoadBalancerSpec();
        loadBalancer.setExternalAddress("203.0.113.9");
        loadBalancer.setBindAddress("localhost");
        loadBalancer.setDefaultBastion(true);
        bastion.getSpec().setLoadBalancer(loadBalancer);
        driver.resource(bastion).create();
        driver.resource(new ServiceBuilder().withNewMetadata().withName("shop").withNamespace(ns).endMetadata()
                .withNewSpec().withType("LoadBalancer").withLoadBalancerClass(LoadBalancerSpec.CLASS)
                    .addNewPort().withName("https").withPort(8443).endPort()
                .endSpec().build()).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> driver.resources(SshTunnel.class).inNamespace(ns).withName("shop-lb").get(),
                t -> t != null);
        await().atMost(Duration.ofSeconds(30)).until(() -> driver.services().inNamespace(ns).withName("shop").get().getStatus()
                .getConditions(), c -> c.stream().anyMatch(x -> x.getType().equals("sshtunnel.dev/TunnelReady")));
        await().atMost(Duration.ofSeconds(30)).until(() -> driver.v1().events().inNamespace(ns).list().getItems().stream()
                .anyMatch(e -> "Service".equals(e.getInvolvedObject().getKind())));
        driver.services().inNamespace(ns).withName("shop").edit(svc -> {
            svc.getSpec().setType("ClusterIP");
            svc.getSpec().setLoadBalancerClass(null);
            svc.getSpec().setAllocateLoadBalancerNodePorts(null);
            svc.getSpec().getPorts().forEach(p -> p.setNodePort(null));
            return svc;
        });
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(driver.resources(SshTunnel.class).inNamespace(ns).withName("shop-lb").get()).isNull());
        await().atMost(Duration.ofSeconds(30)).until(() -> driver.services().inNamespace(ns).withName("shop").get().getStatus()
                .getConditions(), c -> c.stream().noneMatch(x -> x.getType().equals("sshtunnel.dev/TunnelReady")));
    }

    private static void edit(String ns, java.util.function.Consumer<SshTunnel> change) {
        RealCluster.update(SshTunnel.class, ns, "warehouse", change);
    }

    private static String readyReason(KubernetesClient client, String ns) {
        return reason(client, ns, "Ready");
    }

    private static String reason(KubernetesClient client, String ns, String type) {
        SshTunnel tunnel = client.resources(SshTunnel.class).inNamespace(ns).withName("warehouse").get();
        if (tunnel.getStatus() == null) {
            return "";
        }
        return tunnel.getStatus().getConditions().stream().filter(c -> c.getType().equals(type))
                .map(c -> c.getReason()).findFirst().orElse("");
    }

    /** The rules of the (Cluster)Role, the first document of {@code file}, as "group/resource:verb". */
    private static Set<String> granted(Path file) throws IOException {
        List<PolicyRule> rules = Serialization.unmarshal(Files.readString(file).split("(?m)^---$")[0], ClusterRole.class).getRules();
        Set<String> granted = new TreeSet<>();
        for (PolicyRule rule : rules) {
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
}
