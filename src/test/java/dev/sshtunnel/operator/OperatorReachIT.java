package dev.sshtunnel.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.LoadBalancerSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.dependent.ForwarderLabels;
import dev.sshtunnel.operator.loadbalancer.LoadBalancerTunnel;
import dev.sshtunnel.operator.observe.PodVolumeRefresh;
import dev.sshtunnel.sandbox.Sandbox;
import dev.sshtunnel.testing.RealCluster;
import dev.sshtunnel.testing.TunnelFixtures;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * What a stolen operator token can still write: deploy/operator-admission-policy.yaml is installed on the
 * real API server with deploy/'s RBAC (RealCluster installs both), and every request here is sent with the
 * operator ServiceAccount's real token. Objects the operator did not make — unlabelled ConfigMaps,
 * Deployments, Services, pods — are refused with the policy's message; so are adopting or stripping the
 * label and any pod change but the tunnel-generation annotation. What the operator does (labelled objects,
 * the annotation, its events, Lease and rules review) passes, so the refusals are the policy's, not RBAC's.
 */
class OperatorReachIT {

    private static final String NS = "reach";
    private static final String POLICY = "sshtunnel-operator-own-objects";
    private static final String LABEL_RULE = "sshtunnel-operator may only write objects labelled "
            + "app.kubernetes.io/managed-by=sshtunnel-operator, before and after the change";
    private static final String POD_RULE = "sshtunnel-operator may change a pod only by its sshtunnel.dev/tunnel-generation annotation";
    private static final String SELECTOR_RULE = "sshtunnel-operator may select only forwarder pods";
    private static final String POD_SHAPE_RULE = "sshtunnel-operator may run only forwarder pods";
    private static final Map<String, String> MANAGED = Map.of(ForwarderLabels.MANAGED_BY, ForwarderLabels.OPERATOR_NAME);

    private static KubernetesClient admin;
    private static KubernetesClient operator;

    @BeforeAll
    static void cluster() {
        RealCluster.namespace(NS);
        admin = RealCluster.admin();
        // Pods need their ServiceAccount; this control plane runs no controller that makes `default`.
        admin.resource(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder().withNewMetadata().withName("default")
                .withNamespace(NS).endMetadata().build()).serverSideApply();
        operator = RealCluster.client(RealCluster.operatorToken());
        // The API server loads a new policy through an informer: wait until it judges the operator.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try {
                operator.configMaps().inNamespace(NS).resource(configMap("probe", Map.of())).dryRun().create();
                return false;
            } catch (KubernetesClientException e) {
                return e.getMessage().contains(POLICY);
            }
        });
    }

    @AfterAll
    static void close() {
        operator.close();
    }

    @Test
    void unlabelledConfigMapDeploymentAndServiceAreRefusedLabelledOnesPass() {
        refused(() -> operator.configMaps().inNamespace(NS).resource(configMap("mine", Map.of())).create(), LABEL_RULE);
        refused(() -> operator.apps().deployments().inNamespace(NS).resource(deployment("mine", Map.of()))
                .fieldManager("sshtunnel-operator").forceConflicts().serverSideApply(), LABEL_RULE);
        refused(() -> operator.services().inNamespace(NS).resource(service("mine", Map.of()))
                .fieldManager("sshtunnel-operator").forceConflicts().serverSideApply(), LABEL_RULE);

        // The same requests for labelled objects pass: RBAC allows all of these, the label decides.
        assertThatCode(() -> operator.configMaps().inNamespace(NS).resource(configMap("ours", MANAGED)).create())
                .doesNotThrowAnyException();
        assertThatCode(() -> operator.apps().deployments().inNamespace(NS).resource(deployment("ours", MANAGED))
                .fieldManager("sshtunnel-operator").forceConflicts().serverSideApply()).doesNotThrowAnyException();
        assertThatCode(() -> operator.services().inNamespace(NS).resource(service("ours", MANAGED))
                .fieldManager("sshtunnel-operator").forceConflicts().serverSideApply()).doesNotThrowAnyException();
        assertThatCode(() -> operator.services().inNamespace(NS).withName("ours").delete()).doesNotThrowAnyException();
    }

    /** A labelled object still may not select, expose or pin pods other than forwarders, nor run another kind of pod. */
    @Test
    void labelledObjectsSelectOnlyForwarderPodsAndRunOnlyForwarderShapedPods() {
        Service exposing = service("exposing", MANAGED);
        exposing.getSpec().setSelector(Map.of("k8s-app", "kube-dns"));
        refused(() -> operator.services().inNamespace(NS).resource(exposing).create(), SELECTOR_RULE);
        var openAll = new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder().withNewMetadata().withName("open-all")
                .withNamespace(NS).withLabels(MANAGED).endMetadata().withNewSpec().withNewPodSelector().endPodSelector()
                .addNewIngress().endIngress().endSpec().build();
        refused(() -> operator.network().v1().networkPolicies().inNamespace(NS).resource(openAll).create(), SELECTOR_RULE);
        var pinning = new io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder().withNewMetadata().withName("pin")
                .withNamespace(NS).withLabels(MANAGED).endMetadata().withNewSpec().withMaxUnavailable(new io.fabric8.kubernetes.api.model.IntOrString(0))
                .withNewSelector().addToMatchLabels("app", "database").endSelector().endSpec().build();
        refused(() -> operator.policy().v1().podDisruptionBudget().inNamespace(NS).resource(pinning).create(), SELECTOR_RULE);
        Deployment other = deployment("other-pods", MANAGED);
        other.getSpec().getSelector().setMatchLabels(Map.of("app", "other"));
        other.getSpec().getTemplate().getMetadata().setLabels(Map.of("app", "other"));
        refused(() -> operator.apps().deployments().inNamespace(NS).resource(other).create(), SELECTOR_RULE);

        Deployment hostPath = deployment("host-path", MANAGED);
        hostPath.getSpec().getTemplate().getSpec().getVolumes().add(new io.fabric8.kubernetes.api.model.VolumeBuilder()
                .withName("root").withNewHostPath().withPath("/").endHostPath().build());
        refused(() -> operator.apps().deployments().inNamespace(NS).resource(hostPath).create(), POD_SHAPE_RULE);
        Deployment withToken = deployment("with-token", MANAGED);
        withToken.getSpec().getTemplate().getSpec().setAutomountServiceAccountToken(null);
        withToken.getSpec().getTemplate().getSpec().setServiceAccountName("sshtunnel-operator");
        refused(() -> operator.apps().deployments().inNamespace(NS).resource(withToken).create(), POD_SHAPE_RULE);
        // (privileged: true is refused by this API server itself, --allow-privileged=false, before the policy is asked.)
        Deployment hostNetwork = deployment("host-network", MANAGED);
        hostNetwork.getSpec().getTemplate().getSpec().setHostNetwork(true);
        refused(() -> operator.apps().deployments().inNamespace(NS).resource(hostNetwork).create(), POD_SHAPE_RULE);

        // The forwarder-shaped ones pass (the operator's own Deployments: SshTunnelReconcilerIT, RbacMatchesCodeIT).
        assertThatCode(() -> operator.apps().deployments().inNamespace(NS).resource(deployment("forwarder-shaped", MANAGED)).create())
                .doesNotThrowAnyException();
    }

    @Test
    void someoneElsesObjectsCannotBeChangedOrDeleted() {
        admin.resource(configMap("theirs", Map.of())).create();
        admin.resource(deployment("theirs", Map.of())).create();
        admin.resource(service("theirs", Map.of())).create();

        refused(() -> updateConfigMap("theirs", c -> new ConfigMapBuilder(c).addToData("injected", "yes").build()), LABEL_RULE);
        Deployment scaled = deployment("theirs", Map.of());
        scaled.getSpec().setReplicas(5);
        refused(() -> operator.apps().deployments().inNamespace(NS).resource(scaled)
                .fieldManager("sshtunnel-operator").forceConflicts().serverSideApply(), LABEL_RULE);
        refused(() -> operator.services().inNamespace(NS).resource(service("theirs", Map.of()))
                .fieldManager("sshtunnel-operator").forceConflicts().serverSideApply(), LABEL_RULE);
        refused(() -> operator.services().inNamespace(NS).withName("theirs").delete(), LABEL_RULE);
        assertThat(admin.services().inNamespace(NS).withName("theirs").get()).isNotNull();
        assertThat(admin.apps().deployments().inNamespace(NS).withName("theirs").get().getSpec().getReplicas()).isZero();
        assertThat(admin.configMaps().inNamespace(NS).withName("theirs").get().getData()).doesNotContainKey("injected");
    }

    @Test
    void theLabelCanNeitherBeAddedToAForeignObjectNorStripped() {
        admin.resource(configMap("foreign", Map.of())).create();
        refused(() -> updateConfigMap("foreign", c -> new ConfigMapBuilder(c).editMetadata().addToLabels(MANAGED).endMetadata()
                .build()), LABEL_RULE);

        admin.resource(configMap("labelled", MANAGED)).create();
        refused(() -> updateConfigMap("labelled", c -> new ConfigMapBuilder(c).editMetadata()
                .removeFromLabels(ForwarderLabels.MANAGED_BY).endMetadata().build()), LABEL_RULE);
        refused(() -> updateConfigMap("labelled", c -> new ConfigMapBuilder(c).editMetadata()
                .addToLabels(ForwarderLabels.MANAGED_BY, "someone-else").endMetadata().build()), LABEL_RULE);
        assertThatCode(() -> updateConfigMap("labelled", c -> new ConfigMapBuilder(c).addToData("tunnel.json", "{}").build()))
                .doesNotThrowAnyException();
        assertThat(admin.configMaps().inNamespace(NS).withName("labelled").get().getMetadata().getLabels())
                .containsAllEntriesOf(MANAGED);
    }

    @Test
    void aPodChangesOnlyByTheTunnelGenerationAnnotation() {
        admin.resource(pod("forwarder", MANAGED)).create();
        admin.resource(pod("bystander", Map.of())).create();

        assertThatCode(() -> patchPod("forwarder", "{\"metadata\":{\"annotations\":{\"" + PodVolumeRefresh.ANNOTATION + "\":\"7\"}}}"))
                .doesNotThrowAnyException();
        assertThat(admin.pods().inNamespace(NS).withName("forwarder").get().getMetadata().getAnnotations())
                .containsEntry(PodVolumeRefresh.ANNOTATION, "7");

        refused(() -> patchPod("forwarder", "{\"metadata\":{\"annotations\":{\"example.com/other\":\"x\"}}}"), POD_RULE);
        refused(() -> patchPod("forwarder", "{\"metadata\":{\"annotations\":{\"example.com/kept\":null}}}"), POD_RULE);
        refused(() -> patchPod("forwarder", "{\"metadata\":{\"labels\":{\"app.kubernetes.io/instance\":\"other\"}}}"), POD_RULE);
        refused(() -> patchPod("forwarder", "{\"spec\":{\"activeDeadlineSeconds\":1}}"), POD_RULE);
        refused(() -> patchPod("forwarder", "{\"metadata\":{\"annotations\":{\"" + PodVolumeRefresh.ANNOTATION
                + "\":\"8\"},\"finalizers\":[\"example.com/hold\"]}}"), POD_RULE);
        // A pod the operator did not make: not even the annotation.
        refused(() -> patchPod("bystander", "{\"metadata\":{\"annotations\":{\"" + PodVolumeRefresh.ANNOTATION + "\":\"7\"}}}"),
                LABEL_RULE);
        Pod after = admin.pods().inNamespace(NS).withName("forwarder").get();
        assertThat(after.getSpec().getActiveDeadlineSeconds()).isNull();
        assertThat(after.getMetadata().getAnnotations()).containsEntry("example.com/kept", "yes")
                .doesNotContainKey("example.com/other");
    }

    @Test
    void itsOwnUnlabelledRecordsPassNarrowly() {
        // Events about SshTunnels and LoadBalancer Services (what TunnelEvents writes), not about anything else.
        assertThatCode(() -> operator.v1().events().inNamespace(NS).resource(event("about-tunnel", "SshTunnel",
                "sshtunnel.dev/v1alpha1")).create()).doesNotThrowAnyException();
        assertThatCode(() -> operator.v1().events().inNamespace(NS).resource(event("about-service", "Service", "v1")).create())
                .doesNotThrowAnyException();
        refused(() -> operator.v1().events().inNamespace(NS).resource(event("about-pod", "Pod", "v1")).create(),
                "sshtunnel-operator may record events about SshTunnels and Services only");

        // The leader-election Lease by its name, no other Lease.
        assertThatCode(() -> operator.leases().inNamespace(Sandbox.OPERATOR_NAMESPACE).resource(lease(OperatorLeaderElection.LEASE_NAME))
                .create()).doesNotThrowAnyException();
        admin.leases().inNamespace(Sandbox.OPERATOR_NAMESPACE).withName(OperatorLeaderElection.LEASE_NAME).delete();
        refused(() -> operator.leases().inNamespace(Sandbox.OPERATOR_NAMESPACE).resource(lease("another-lease")).create(),
                "sshtunnel-operator may write only its leader-election Lease");

        // The operator SDK's start-up check of its Lease rights.
        assertThatCode(() -> operator.authorization().v1().selfSubjectRulesReview().create(new SelfSubjectRulesReviewBuilder()
                .withNewSpec().withNamespace(Sandbox.OPERATOR_NAMESPACE).endSpec().build())).doesNotThrowAnyException();
    }

    /**
     * RBAC refuses pod create, delete and subresources to the operator already; the policy refuses them on its own
     * too, shown by granting them for this test only (a Role in the test namespace, removed afterwards).
     */
    @Test
    void podWritesBeyondTheAnnotationAreRefusedEvenWhenRbacWouldAllowThem() {
        var role = new io.fabric8.kubernetes.api.model.rbac.RoleBuilder().withNewMetadata().withName("wider").withNamespace(NS)
                .endMetadata().addNewRule().withApiGroups("").withResources("pods", "pods/status", "pods/exec")
                .withVerbs("get", "create", "delete", "patch").endRule().build();
        var binding = new io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder().withNewMetadata().withName("wider")
                .withNamespace(NS).endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role")
                .withName("wider").endRoleRef().addNewSubject().withKind("ServiceAccount").withName(Sandbox.OPERATOR_SERVICE_ACCOUNT)
                .withNamespace(Sandbox.OPERATOR_NAMESPACE).endSubject().build();
        admin.resource(role).create();
        admin.resource(binding).create();
        try {
            admin.resource(pod("granted", MANAGED)).create();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    refused(() -> operator.pods().inNamespace(NS).resource(pod("created", MANAGED)).create(), POD_RULE));
            refused(() -> operator.pods().inNamespace(NS).withName("granted").delete(), POD_RULE);
            refused(() -> operator.pods().inNamespace(NS).withName("granted").subresource("status")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"message\":\"forged\"}}"), POD_RULE);
            assertThat(admin.pods().inNamespace(NS).withName("granted").get().getMetadata().getDeletionTimestamp()).isNull();
        } finally {
            admin.resource(binding).delete();
            admin.resource(role).delete();
        }
    }

    /**
     * A tenant's SshTunnel changes only by its finalizers (for the cleanup of objects across namespaces). RBAC grants
     * patch only (no get, update or delete), so the test grants those for its duration, as for pods above.
     */
    @Test
    void anSshTunnelChangesOnlyByItsFinalizers() {
        var role = new io.fabric8.kubernetes.api.model.rbac.RoleBuilder().withNewMetadata().withName("finalizers").withNamespace(NS)
                .endMetadata().addNewRule().withApiGroups("sshtunnel.dev").withResources("sshtunnels")
                .withVerbs("get", "update", "patch", "delete").endRule().build();
        var binding = new io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder().withNewMetadata().withName("finalizers")
                .withNamespace(NS).endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role")
                .withName("finalizers").endRoleRef().addNewSubject().withKind("ServiceAccount")
                .withName(Sandbox.OPERATOR_SERVICE_ACCOUNT).withNamespace(Sandbox.OPERATOR_NAMESPACE).endSubject().build();
        admin.resource(role).create();
        admin.resource(binding).create();
        var tunnels = operator.resources(SshTunnel.class).inNamespace(NS);
        try {
            admin.resource(TunnelFixtures.tunnel(NS, "tenants", TunnelFixtures.local("pg", 5432, "db", 5432))).create();
            String rule = "sshtunnel-operator may change an SshTunnel only by its finalizers";
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThatCode(() -> tunnels.withName("tenants")
                    .edit(t -> { t.getMetadata().setFinalizers(List.of("sshtunnel.dev/cleanup")); return t; }))
                    .doesNotThrowAnyException());
            refused(() -> tunnels.withName("tenants").edit(t -> { t.getSpec().setReplicas(3); return t; }), rule);
            refused(() -> tunnels.withName("tenants").edit(t -> {
                t.getMetadata().setLabels(Map.of("team", "other"));
                return t;
            }), rule);
            refused(() -> tunnels.withName("tenants").edit(t -> {
                t.getMetadata().setAnnotations(Map.of("example.com/note", "x"));
                return t;
            }), rule);
            refused(() -> tunnels.withName("tenants").delete(), rule);
            assertThatCode(() -> tunnels.withName("tenants").edit(t -> { t.getMetadata().setFinalizers(List.of()); return t; }))
                    .doesNotThrowAnyException();
            SshTunnel after = admin.resources(SshTunnel.class).inNamespace(NS).withName("tenants").get();
            assertThat(after.getSpec().getReplicas()).isNotEqualTo(3);
            assertThat(after.getMetadata().getLabels()).isNullOrEmpty();
        } finally {
            admin.resource(binding).delete();
            admin.resource(role).delete();
        }
    }

    /**
     * LoadBalancer Services: the operator writes the status of Services of its class only (never MetalLB's or a cloud's,
     * nor a classless one's), and generated tunnels go through a ClusterSshBastion only: with the label, a tunnel naming
     * its own server or Secret is still refused. Writes that pass are sent as dry runs (the running operator owns them).
     */
    @Test
    void loadBalancerWritesReachServicesOfItsClassAndGeneratedTunnelsOnly() {
        String statusRule = "sshtunnel-operator may write the status of LoadBalancer Services of class sshtunnel.dev/ssh only";
        admin.resource(loadBalancer("lb-metallb", "example.com/metallb")).create();
        admin.resource(loadBalancer("lb-classless", null)).create();
        admin.resource(loadBalancer("lb-ours", LoadBalancerSpec.CLASS)).create();
        for (String other : List.of("lb-metallb", "lb-classless")) {
            refused(() -> applyStatus(other, "203.0.113.66", false), statusRule);
            refused(() -> applyStatus(other, null, false), statusRule);
        }
        assertThatCode(() -> applyStatus("lb-ours", "203.0.113.66", true))
                .doesNotThrowAnyException();

        String tunnelRule = "sshtunnel-operator may change an SshTunnel only by its finalizers";
        SshTunnel ownServer = TunnelFixtures.tunnel(NS, "lb-ours-lb", TunnelFixtures.remote("https", 8443, "web", 443));
        ownServer.getMetadata().setLabels(Map.of(ForwarderLabels.MANAGED_BY, ForwarderLabels.OPERATOR_NAME,
                LoadBalancerTunnel.SERVICE_LABEL, "lb-ours"));
        refused(() -> operator.resources(SshTunnel.class).inNamespace(NS).resource(ownServer).create(), tunnelRule);
        SshTunnel unlabelled = TunnelFixtures.onBastion(NS, "lb-ours-lb", BastionKind.ClusterSshBastion, "edge",
                TunnelFixtures.remote("https", 8443, "web", 443));
        refused(() -> operator.resources(SshTunnel.class).inNamespace(NS).resource(unlabelled).create(), tunnelRule);
        SshTunnel generated = TunnelFixtures.onBastion(NS, "lb-ours-lb", BastionKind.ClusterSshBastion, "edge",
                TunnelFixtures.remote("https", 8443, "web", 443));
        generated.getMetadata().setLabels(ownServer.getMetadata().getLabels());
        assertThatCode(() -> operator.resources(SshTunnel.class).inNamespace(NS).resource(generated).dryRun().create())
                .doesNotThrowAnyException();
    }

    /** The operator's own write (server-side apply of the status subresource); {@code ip} null: no ingress. */
    private static void applyStatus(String name, String ip, boolean dryRun) {
        Service status = new ServiceBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewStatus().withNewLoadBalancer()
                    .withIngress(ip == null ? List.of() : List.of(new LoadBalancerIngressBuilder().withIp(ip).build()))
                .endLoadBalancer().endStatus().build();
        operator.services().inNamespace(NS).withName(name).subresource("status").patch(new PatchContext.Builder()
                .withPatchType(PatchType.SERVER_SIDE_APPLY).withFieldManager("sshtunnel-operator-load-balancer").withForce(true)
                .withDryRun(dryRun ? List.of("All") : List.of()).build(), status);
    }

    private static Service loadBalancer(String name, String loadBalancerClass) {
        return new ServiceBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewSpec().withType("LoadBalancer").withLoadBalancerClass(loadBalancerClass)
                    .addNewPort().withName("https").withPort(443).endPort()
                .endSpec().build();
    }

    /** The policy is only as strong as who may delete it: not the operator. */
    @Test
    void theOperatorCannotLiftThePolicy() {
        var forbidden = catchThrowableOfType(KubernetesClientException.class,
                () -> operator.admissionRegistration().v1().validatingAdmissionPolicies().withName(POLICY).delete());
        assertThat(forbidden.getCode()).isEqualTo(403);
        forbidden = catchThrowableOfType(KubernetesClientException.class,
                () -> operator.admissionRegistration().v1().validatingAdmissionPolicyBindings().withName(POLICY).delete());
        assertThat(forbidden.getCode()).isEqualTo(403);
        assertThat(admin.admissionRegistration().v1().validatingAdmissionPolicyBindings().withName(POLICY).get()).isNotNull();
    }

    private static void refused(ThrowingCallable request, String rule) {
        KubernetesClientException refusal = catchThrowableOfType(KubernetesClientException.class, request);
        assertThat(refusal).as("refused by the policy: " + rule).isNotNull();
        assertThat(refusal.getCode()).as(refusal.getMessage()).isEqualTo(403);
        assertThat(refusal.getMessage()).contains("ValidatingAdmissionPolicy '" + POLICY + "'").contains(rule);
    }

    /** A plain update (PUT), as the operator SDK writes ConfigMaps; the token may list but not get them. */
    private static void updateConfigMap(String name, java.util.function.UnaryOperator<ConfigMap> change) {
        ConfigMap current = admin.configMaps().inNamespace(NS).withName(name).get();
        operator.configMaps().inNamespace(NS).resource(change.apply(current)).update();
    }

    private static void patchPod(String name, String mergePatch) {
        operator.pods().inNamespace(NS).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch);
    }

    private static ConfigMap configMap(String name, Map<String, String> labels) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
                .addToData("k", "v").build();
    }

    /** Shaped as the operator's forwarder Deployments are: its pods' labels, no token, a ConfigMap volume. */
    private static Deployment deployment(String name, Map<String, String> labels) {
        return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
                .withNewSpec().withReplicas(0)
                    .withNewSelector().withMatchLabels(forwarderPods(name)).endSelector()
                    .withNewTemplate().withNewMetadata().withLabels(forwarderPods(name)).endMetadata()
                        .withNewSpec().withAutomountServiceAccountToken(false)
                            .addNewContainer().withName("c").withImage("example.invalid/none").endContainer()
                            .addNewVolume().withName("tunnel").withNewConfigMap().withName(name).endConfigMap().endVolume()
                        .endSpec()
                    .endTemplate()
                .endSpec().build();
    }

    private static Service service(String name, Map<String, String> labels) {
        return new ServiceBuilder().withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
                .withNewSpec().withSelector(forwarderPods(name)).addNewPort().withPort(80).endPort().endSpec().build();
    }

    private static Map<String, String> forwarderPods(String tunnel) {
        return Map.of(ForwarderLabels.NAME, ForwarderLabels.FORWARDER, ForwarderLabels.INSTANCE, tunnel);
    }

    private static Pod pod(String name, Map<String, String> labels) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).withLabels(labels)
                .addToAnnotations("example.com/kept", "yes").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("example.invalid/none").endContainer().endSpec().build();
    }

    private static io.fabric8.kubernetes.api.model.Event event(String name, String kind, String apiVersion) {
        return new EventBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewInvolvedObject().withKind(kind).withApiVersion(apiVersion).withName("x").withNamespace(NS).endInvolvedObject()
                .withReason("Test").withMessage("m").withType("Normal").build();
    }

    private static io.fabric8.kubernetes.api.model.coordination.v1.Lease lease(String name) {
        return new LeaseBuilder().withNewMetadata().withName(name).withNamespace(Sandbox.OPERATOR_NAMESPACE).endMetadata()
                .withNewSpec().withHolderIdentity("test").withLeaseDurationSeconds(15).endSpec().build();
    }
}
