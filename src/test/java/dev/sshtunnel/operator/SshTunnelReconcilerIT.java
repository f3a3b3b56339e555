package dev.sshtunnel.operator;

import static dev.sshtunnel.testing.TunnelFixtures.dynamic;
import static dev.sshtunnel.testing.TunnelFixtures.keySecret;
import static dev.sshtunnel.testing.TunnelFixtures.local;
import static dev.sshtunnel.testing.TunnelFixtures.remote;
import static dev.sshtunnel.testing.TunnelFixtures.tunnel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.forwarder.ForwarderStatus;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.RealCluster;
import dev.sshtunnel.testing.RealClusterResource;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The operator against the real control plane, as its own ServiceAccount with RBAC enforced. No
 * node runs here, so forwarder pods stay Pending and tunnels report ForwarderUnavailable; SandboxIT
 * covers pods that run, traffic, Ready and garbage collection.
 */
@QuarkusTest
@QuarkusTestResource(RealClusterResource.class)
class SshTunnelReconcilerIT {

    private static final String PROXY_PASSWORD = "edge-proxy-password-31";

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    KubernetesClient client = RealCluster.admin();

    @Test
    void allThreeForwardTypesGetConfigMapDeploymentAndService() {
        String ns = "mix-all";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        SshTunnel tunnel = client.resource(tunnel(ns, "warehouse", local("postgres", 5432, "db.internal", 5432),
                remote("hooks", 0, "web.apps.svc.cluster.local", 80), dynamic("proxy", 1080))).create();

        Deployment deployment = awaitDeployment(ns, "warehouse");
        ConfigMap configMap = client.configMaps().inNamespace(ns).withName("warehouse-tunnel").get();
        Service service = awaitService(ns, "warehouse");

        SshTunnel document = Serialization.unmarshal(configMap.getData().get("tunnel.yaml"), SshTunnel.class);
        assertThat(document.getMetadata().getName()).isEqualTo("warehouse");
        assertThat(document.getMetadata().getNamespace()).isEqualTo(ns);
        assertThat(Serialization.asYaml(document.getSpec())).isEqualTo(Serialization.asYaml(tunnel.getSpec()));
        assertThat(document.getStatus()).isNull();

        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container forwarder = pod.getContainers().get(0);
        assertThat(document.getMetadata().getGeneration()).isEqualTo(tunnel.getMetadata().getGeneration());
        // The guard rail on Remote targets and SOCKS destinations: the default deny list, and the API server's addresses
        // (deny-api-server=true), as the admin sees them: Service default/kubernetes and its EndpointSlices.
        Service kubernetes = client.services().inNamespace("default").withName("kubernetes").get();
        java.util.TreeSet<String> apiServer = new java.util.TreeSet<>(kubernetes.getSpec().getClusterIPs());
        client.discovery().v1().endpointSlices().inNamespace("default").withLabel("kubernetes.io/service-name", "kubernetes")
                .list().getItems().forEach(slice -> slice.getEndpoints().forEach(e -> apiServer.addAll(e.getAddresses())));
        assertThat(apiServer).as("a ClusterIP and the API server's own address").hasSizeGreaterThanOrEqualTo(2)
                .contains(RealCluster.API_SERVER_ENDPOINT);
        assertThat(forwarder.getArgs()).containsExactly("forward", "-f", "/etc/sshtunnel/tunnel/tunnel.yaml",
                "--secrets-dir", "/etc/sshtunnel/secrets", "--bind-address", "0.0.0.0", "--http-address", "$(POD_IP)", "--admitted",
                "--denied-targets=169.254.0.0/16,fd00:ec2::254/128,127.0.0.0/8,::1/128",
                "--api-server-targets=" + String.join(",", apiServer));
        assertThat(forwarder.getEnv()).singleElement().satisfies(env -> {
            assertThat(env.getName()).isEqualTo("POD_IP");
            assertThat(env.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
        });
        // Forward ports are not in the template, so adding a forward does not replace the pods.
        assertThat(forwarder.getPorts()).extracting(p -> p.getName() + ":" + p.getContainerPort()).containsExactly("http:8081");
        assertThat(forwarder.getVolumeMounts()).extracting(VolumeMount::getMountPath)
                .containsExactly("/etc/sshtunnel/tunnel", "/etc/sshtunnel/secrets/bastion-key", "/tmp");
        assertThat(forwarder.getVolumeMounts()).as("subPath mounts are never updated by the kubelet")
                .allSatisfy(m -> assertThat(m.getSubPath()).isNull());
        assertThat(forwarder.getVolumeMounts()).filteredOn(m -> m.getMountPath().startsWith("/etc"))
                .allSatisfy(m -> assertThat(m.getReadOnly()).isTrue());
        Volume secretVolume = pod.getVolumes().stream().filter(v -> v.getSecret() != null).findFirst().orElseThrow();
        assertThat(secretVolume.getSecret().getSecretName()).isEqualTo("bastion-key");
        assertThat(secretVolume.getSecret().getDefaultMode()).isEqualTo(0400);
        assertThat(secretVolume.getSecret().getItems()).extracting(i -> i.getKey() + "->" + i.getPath())
                .containsExactly("id_ed25519->id_ed25519");
        assertThat(forwarder.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(forwarder.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(forwarder.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(forwarder.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(forwarder.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(forwarder.getResources().getLimits()).containsKey("memory");
        assertThat(dev.sshtunnel.testing.PodSecurityStandard.restrictedViolations(pod,
                deployment.getSpec().getTemplate().getMetadata().getAnnotations())).as("Pod Security Standard: restricted").isEmpty();
        // A Remote forward: two pods must never hold the same remote port.
        assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);

        assertThat(service.getSpec().getPorts()).extracting(ServicePort::getName, ServicePort::getPort,
                p -> p.getTargetPort().getIntVal())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("postgres", 5432, 5432),
                        org.assertj.core.groups.Tuple.tuple("proxy", 1080, 1080));
        assertThat(service.getSpec().getSelector()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");

        var policy = await().atMost(TIMEOUT).until(
                () -> client.network().v1().networkPolicies().inNamespace(ns).withName("warehouse").get(), p -> p != null);
        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
        assertThat(policy.getSpec().getIngress().get(0).getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(5432, 1080);
        assertThat(policy.getSpec().getIngress().get(0).getFrom()).singleElement()
                .satisfies(peer -> assertThat(peer.getPodSelector()).as("the tunnel's own namespace only").isNotNull());
        assertThat(policy.getSpec().getIngress().get(1).getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(8081);
        assertThat(policy.getSpec().getIngress().get(1).getFrom()).as("the operator and the metrics scraper (%test profile)")
                .extracting(peer -> peer.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name"))
                .containsExactly("sshtunnel-system", "monitoring");
        assertThat(policy.getSpec().getEgress()).extracting(r -> r.getPorts().stream().map(p -> p.getProtocol() + "/"
                + p.getPort().getIntVal()).toList())
                .containsExactly(List.of("TCP/22"), List.of("UDP/53", "TCP/53"), List.of("TCP/80"));

        for (HasMetadata owned : List.of(deployment, configMap, service, policy)) {
            assertThat(owned.getMetadata().getOwnerReferences()).extracting(OwnerReference::getKind, OwnerReference::getName)
                    .as("owner of " + owned.getKind())
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("SshTunnel", "warehouse"));
        }

        SshTunnel withStatus = awaitReadyReason(ns, "warehouse", "ForwarderUnavailable");
        assertThat(withStatus.getStatus().getReadyForwards()).isEqualTo("0/3");
        assertThat(withStatus.getStatus().getServiceName()).isEqualTo("warehouse");
        assertThat(withStatus.getStatus().getObservedGeneration()).as("no forwarder runs generation 1 yet").isNull();
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(events(ns)).extracting(Event::getReason, Event::getType)
                .as("a tunnel that is starting is progressing, not failing")
                .contains(org.assertj.core.groups.Tuple.tuple("ForwarderUnavailable", "Normal")));
    }

    @Test
    void aPortBelow1024StaysWithinTheRestrictedPodSecurityStandard() {
        String ns = "low-port";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        client.resource(tunnel(ns, "web", local("https", 443, "web.internal", 443))).create();
        Deployment deployment = awaitDeployment(ns, "web");
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        // No NET_BIND_SERVICE: the namespaced, safe sysctl lets the non-root process bind 443.
        assertThat(pod.getSecurityContext().getSysctls()).extracting(s -> s.getName() + "=" + s.getValue())
                .containsExactly("net.ipv4.ip_unprivileged_port_start=0");
        assertThat(pod.getContainers().get(0).getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(dev.sshtunnel.testing.PodSecurityStandard.restrictedViolations(pod,
                deployment.getSpec().getTemplate().getMetadata().getAnnotations())).isEmpty();
    }

    @Test
    void aRestrictedNamespaceAdmitsTheForwarderPods() {
        String ns = "restricted";
        client.resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(ns)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                .addToLabels("pod-security.kubernetes.io/enforce-version", "latest").endMetadata().build()).serverSideApply();
        // Control: PodSecurity admission really enforces here.
        var baseline = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("baseline").withNamespace(ns)
                .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> client.resource(baseline).dryRun().create()))
                .hasMessageContaining("violates PodSecurity \"restricted:latest\"");

        client.resource(keySecret(ns, "key-v1")).create();
        client.resource(tunnel(ns, "web", local("https", 443, "web.internal", 443), remote("hooks", 0, "web", 80),
                dynamic("proxy", 1080))).create();
        // The ReplicaSet controller created the pod: admission let it in (a refusal leaves none, with a FailedCreate event).
        var pod = await().atMost(TIMEOUT).until(() -> client.pods().inNamespace(ns).list().getItems(), pods -> !pods.isEmpty()).get(0);
        assertThat(pod.getMetadata().getLabels()).containsEntry("app.kubernetes.io/instance", "web");
    }

    @Test
    void localOnlyRollsWithoutDowntime() {
        String ns = "mix-local";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        client.resource(tunnel(ns, "db", local("postgres", 5432, "db.internal", 5432))).create();

        Deployment deployment = awaitDeployment(ns, "db");
        assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        assertThat(awaitService(ns, "db").getSpec().getPorts()).hasSize(1);
    }

    @Test
    void remoteOnlyHasNoService() {
        String ns = "mix-remote";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        client.resource(tunnel(ns, "hooks", remote("hooks", 0, "web", 80))).create();

        Deployment deployment = awaitDeployment(ns, "hooks");
        assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts())
                .extracting(p -> p.getName()).containsExactly("http");
        SshTunnel status = awaitReadyReason(ns, "hooks", "ForwarderUnavailable");
        assertThat(status.getStatus().getServiceName()).isNull();
        assertThat(client.services().inNamespace(ns).withName("hooks").get()).isNull();
    }

    @Test
    void secondReconcileChangesNothing() throws InterruptedException {
        String ns = "idempotent";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        client.resource(tunnel(ns, "warehouse", local("postgres", 5432, "db", 5432), dynamic("proxy", 1080))).create();
        awaitService(ns, "warehouse");
        awaitReadyReason(ns, "warehouse", "ForwarderUnavailable");
        Map<String, String> before = resourceVersions(ns, "warehouse");

        Thread.sleep(3000); // the test profile polls every second: several reconciles happen here

        assertThat(resourceVersions(ns, "warehouse")).isEqualTo(before);
    }

    /**
     * The pods follow the ConfigMap and Secret volumes, so forward changes and a rotated Secret reach
     * them without a new pod template; a change a running process cannot take (its resources) does.
     */
    @Test
    void forwardChangesAndSecretRotationKeepThePodTemplate() {
        String ns = "live";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        client.resource(tunnel(ns, "warehouse", local("postgres", 5432, "db", 5432))).create();
        String template = template(awaitDeployment(ns, "warehouse"));

        edit(ns, "warehouse", t -> {
            t.getSpec().getForwards().get(0).getTarget().setHost("db2.internal");
            t.getSpec().getForwards().add(dynamic("proxy", 1080));
        });
        await().atMost(TIMEOUT).until(() -> client.configMaps().inNamespace(ns).withName("warehouse-tunnel").get().getData()
                .get("tunnel.yaml"), document -> document.contains("db2.internal") && document.contains("generation: 2"));
        await().atMost(TIMEOUT).until(() -> awaitService(ns, "warehouse").getSpec().getPorts().size() == 2);
        assertThat(template(awaitDeployment(ns, "warehouse"))).isEqualTo(template);

        client.resource(keySecret(ns, "key-v2")).forceConflicts().serverSideApply();
        await().during(java.time.Duration.ofSeconds(2)).atMost(TIMEOUT)
                .until(() -> template(awaitDeployment(ns, "warehouse")), template::equals);

        var forwarderSpec = new dev.sshtunnel.api.v1alpha1.ForwarderSpec();
        forwarderSpec.setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
                .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("300Mi")).build());
        edit(ns, "warehouse", t -> t.getSpec().setForwarder(forwarderSpec));
        await().atMost(TIMEOUT).until(() -> template(awaitDeployment(ns, "warehouse")), t -> !t.equals(template));
    }

    @Test
    void missingSecretIsReportedAndRecoversWhenItAppears() {
        String ns = "secret-late";
        RealCluster.namespace(ns);
        client.resource(tunnel(ns, "warehouse", local("postgres", 5432, "db", 5432))).create();

        SshTunnel waiting = awaitReadyReason(ns, "warehouse", "SecretNotFound");
        assertThat(ready(waiting).getMessage()).contains("secret-late/bastion-key").contains("spec.ssh.privateKeySecretRef");
        assertThat(client.apps().deployments().inNamespace(ns).withName("warehouse").get()).isNull();

        Secret wrongKey = keySecret(ns, "x");
        wrongKey.setData(Map.of("other", "eA=="));
        client.resource(wrongKey).create();
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(ready(get(ns, "warehouse")).getMessage())
                .contains("has no key \"id_ed25519\""));

        client.resource(keySecret(ns, "key-v1")).forceConflicts().serverSideApply();
        awaitDeployment(ns, "warehouse");
        awaitReadyReason(ns, "warehouse", "ForwarderUnavailable");
        // The event follows the status write.
        await().atMost(TIMEOUT).untilAsserted(() ->
                assertThat(events(ns)).extracting(Event::getReason).contains("SecretNotFound", "ForwarderUnavailable"));
    }

    @Test
    void suspendScalesToZero() {
        String ns = "suspend";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        client.resource(tunnel(ns, "warehouse", local("postgres", 5432, "db", 5432))).create();
        awaitDeployment(ns, "warehouse");

        edit(ns, "warehouse", t -> t.getSpec().setSuspend(true));

        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(
                client.apps().deployments().inNamespace(ns).withName("warehouse").get().getSpec().getReplicas()).isZero());
        awaitReadyReason(ns, "warehouse", "Suspended");
        assertThat(client.configMaps().inNamespace(ns).withName("warehouse-tunnel").get()).isNotNull();
    }

    @Test
    void replicasGetADisruptionBudgetAndSpreadOverNodesAndOnePodHasNone() {
        String ns = "replicas";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        SshTunnel tunnel = client.resource(tunnel(ns, "warehouse", local("postgres", 5432, "db", 5432),
                remote("hooks", 9000, "web", 80))).create();
        Deployment deployment = awaitDeployment(ns, "warehouse");
        // A fixed Remote port: the new pod waits as Standby until the old one lets go, so no Recreate.
        assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal()).isOne();
        assertThat(deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints()).singleElement().satisfies(c -> {
            assertThat(c.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(c.getMaxSkew()).isOne();
            assertThat(c.getWhenUnsatisfiable()).isEqualTo("ScheduleAnyway");
            assertThat(c.getLabelSelector().getMatchLabels()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        });
        var readiness = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getReadinessProbe();
        assertThat(readiness.getPeriodSeconds() * readiness.getFailureThreshold()).as("worst case out of the Service, s")
                .isLessThanOrEqualTo(2);
        assertThat(client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("warehouse").get())
                .as("no budget for a single pod").isNull();

        edit(ns, "warehouse", t -> t.getSpec().setReplicas(2));
        var budget = await().atMost(TIMEOUT).until(
                () -> client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("warehouse").get(), b -> b != null);
        assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isOne();
        assertThat(budget.getSpec().getMinAvailable()).isNull();
        assertThat(budget.getSpec().getSelector().getMatchLabels()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(budget.getMetadata().getOwnerReferences()).extracting(OwnerReference::getUid)
                .containsExactly(tunnel.getMetadata().getUid());

        edit(ns, "warehouse", t -> t.getSpec().setSuspend(true));
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(
                client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("warehouse").get())
                .as("suspended: no pods to protect").isNull());
        edit(ns, "warehouse", t -> t.getSpec().setSuspend(false));
        await().atMost(TIMEOUT).until(
                () -> client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("warehouse").get(), b -> b != null);
        edit(ns, "warehouse", t -> t.getSpec().setReplicas(1));
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(
                client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("warehouse").get()).isNull());
    }

    @Test
    void removingTheLastListeningForwardRemovesTheService() {
        String ns = "svc-gone";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        client.resource(tunnel(ns, "warehouse", local("postgres", 5432, "db", 5432), remote("hooks", 0, "web", 80))).create();
        awaitService(ns, "warehouse");

        edit(ns, "warehouse", t -> t.getSpec().setForwards(List.of(remote("hooks", 0, "web", 80))));

        await().atMost(TIMEOUT).untilAsserted(() ->
                assertThat(client.services().inNamespace(ns).withName("warehouse").get()).isNull());
    }

    @Test
    void removingOneOfTwoListeningForwardsRemovesItsServicePortAndPolicyRule() {
        String ns = "svc-port-gone";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        client.resource(tunnel(ns, "warehouse", local("postgres", 5432, "db", 5432), dynamic("proxy", 1080))).create();
        await().atMost(TIMEOUT).until(() -> client.services().inNamespace(ns).withName("warehouse").get(),
                s -> s != null && s.getSpec().getPorts().size() == 2);

        edit(ns, "warehouse", t -> t.getSpec().setForwards(List.of(local("postgres", 5432, "db", 5432))));

        await().atMost(TIMEOUT).untilAsserted(() -> {
            assertThat(client.services().inNamespace(ns).withName("warehouse").get().getSpec().getPorts())
                    .extracting(ServicePort::getName).containsExactly("postgres");
            assertThat(client.network().v1().networkPolicies().inNamespace(ns).withName("warehouse").get().getSpec()
                    .getIngress().get(0).getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(5432);
        });
    }

    @Test
    void aKnownHostsLineThatDoesNotParseIsInvalidSpecWithItsLineNumber() {
        String ns = "bad-known-hosts";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        SshTunnel tunnel = tunnel(ns, "warehouse", local("pg", 5432, "db", 5432));
        tunnel.getSpec().getSsh().getHostKey().setKnownHosts(tunnel.getSpec().getSsh().getHostKey().getKnownHosts()
                + "\nbastion.example.com ssh-ed25519\n");
        client.resource(tunnel).create();

        SshTunnel invalid = awaitReadyReason(ns, "warehouse", "InvalidSpec");
        assertThat(ready(invalid).getMessage()).contains("spec.ssh.hostKey.knownHosts: line 2 is not a known_hosts entry");
        assertThat(client.apps().deployments().inNamespace(ns).withName("warehouse").get()).as("no forwarder to crash-loop").isNull();
    }

    @Test
    void portTakenByTheHealthEndpointIsInvalidSpec() {
        String ns = "invalid";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        client.resource(tunnel(ns, "warehouse", local("web", ForwarderStatus.PORT, "web", 80))).create();

        SshTunnel invalid = awaitReadyReason(ns, "warehouse", "InvalidSpec");
        assertThat(ready(invalid).getMessage()).contains("spec.forwards[0].port 8081");
        assertThat(client.apps().deployments().inNamespace(ns).withName("warehouse").get()).isNull();
    }

    /**
     * An edit the operator cannot apply leaves the running tunnel as it is — ConfigMap, Deployment,
     * Service and NetworkPolicy untouched, so a restarted pod still finds the files it mounts — and
     * says so in SpecApplied; Ready keeps telling about the forwarder that runs (no node here: its
     * pods are not ready).
     */
    @Test
    void anInvalidEditKeepsTheRunningTunnelIntactAndSaysWhyItIsNotApplied() {
        String ns = "held";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        client.resource(tunnel(ns, "warehouse", local("postgres", 5432, "db", 5432), dynamic("proxy", 1080))).create();
        awaitCondition(ns, "warehouse", "SpecApplied", "Applied");
        awaitService(ns, "warehouse");
        Map<String, String> before = dependentVersions(ns, "warehouse");

        edit(ns, "warehouse", t -> t.getSpec().setForwards(List.of(local("web", ForwarderStatus.PORT, "web", 80))));

        SshTunnel held = awaitCondition(ns, "warehouse", "SpecApplied", "InvalidSpec");
        assertThat(condition(held, "SpecApplied").getStatus()).isEqualTo("False");
        assertThat(condition(held, "SpecApplied").getMessage()).contains("spec.forwards[0].port 8081")
                .contains("the forwarder keeps running the last applied spec");
        assertThat(condition(held, "SpecApplied").getObservedGeneration()).isEqualTo(held.getMetadata().getGeneration());
        assertThat(ready(held).getReason()).as("Ready tells about the running forwarder").isEqualTo("ForwarderUnavailable");
        assertThat(held.getStatus().getReadyForwards()).as("the running spec has two forwards").isEqualTo("0/2");
        assertThat(dependentVersions(ns, "warehouse")).isEqualTo(before);
        assertThat(client.configMaps().inNamespace(ns).withName("warehouse-tunnel").get().getData().get("tunnel.yaml"))
                .contains("postgres").doesNotContain("8081");
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(events(ns)).filteredOn(e -> e.getReason().equals("InvalidSpec"))
                .singleElement().satisfies(e -> assertThat(e.getType()).isEqualTo("Warning")));

        edit(ns, "warehouse", t -> t.getSpec().setForwards(List.of(local("web", 8080, "web", 80))));

        awaitCondition(ns, "warehouse", "SpecApplied", "Applied");
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(client.services().inNamespace(ns).withName("warehouse").get()
                .getSpec().getPorts()).extracting(ServicePort::getName).containsExactly("web"));
    }

    /** Forwarder pods mount the tunnel's keys: only images the operator's admin allowed may run them. */
    @Test
    void anImageOffTheAllowListGetsNoForwarderAndARunningOneIsKept() {
        String ns = "image";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        SshTunnel tunnel = tunnel(ns, "warehouse", local("postgres", 5432, "db", 5432));
        tunnel.getSpec().setForwarder(new dev.sshtunnel.api.v1alpha1.ForwarderSpec());
        tunnel.getSpec().getForwarder().setImage("attacker.example/collect-keys:latest");
        client.resource(tunnel).create();

        SshTunnel refused = awaitReadyReason(ns, "warehouse", "ImageNotAllowed");
        assertThat(ready(refused).getMessage()).contains("spec.forwarder.image \"attacker.example/collect-keys:latest\"")
                .contains("SSHTUNNEL_FORWARDER_ALLOWED_IMAGES").contains("leave it empty");
        assertThat(condition(refused, "SpecApplied").getReason()).isEqualTo("ImageNotAllowed");
        assertThat(client.apps().deployments().inNamespace(ns).withName("warehouse").get()).isNull();
        assertThat(client.configMaps().inNamespace(ns).withName("warehouse-tunnel").get()).isNull();
        assertThat(events(ns)).extracting(Event::getReason).contains("ImageNotAllowed");

        edit(ns, "warehouse", t -> t.getSpec().getForwarder().setImage("registry.internal/sshtunnel/forwarder:0.1.0"));
        assertThat(awaitDeployment(ns, "warehouse").getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo("registry.internal/sshtunnel/forwarder:0.1.0");
        awaitCondition(ns, "warehouse", "SpecApplied", "Applied");

        edit(ns, "warehouse", t -> t.getSpec().getForwarder().setImage("attacker.example/collect-keys:latest"));
        awaitCondition(ns, "warehouse", "SpecApplied", "ImageNotAllowed");
        assertThat(client.apps().deployments().inNamespace(ns).withName("warehouse").get().getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage()).isEqualTo("registry.internal/sshtunnel/forwarder:0.1.0");
    }

    /**
     * The API server refuses the Deployment (a quota of zero Deployments): status says which object
     * and why, for the current generation, instead of keeping what it said before; once the quota is
     * gone the retry applies it.
     */
    @Test
    void aWriteTheApiServerRefusesIsReportedInStatusUntilItSucceeds() {
        String ns = "quota";
        RealCluster.namespace(ns);
        client.resource(new io.fabric8.kubernetes.api.model.ResourceQuotaBuilder().withNewMetadata().withName("no-deployments")
                .withNamespace(ns).endMetadata().withNewSpec().addToHard("count/deployments.apps",
                        new io.fabric8.kubernetes.api.model.Quantity("0")).endSpec().build()).create();
        // The quota controller has counted the namespace: from here on admission enforces the quota.
        await().atMost(TIMEOUT).until(() -> client.resourceQuotas().inNamespace(ns).withName("no-deployments").get().getStatus(),
                status -> status != null && status.getHard() != null && !status.getHard().isEmpty());
        client.resource(keySecret(ns, "key-v1")).create();
        client.resource(tunnel(ns, "warehouse", local("postgres", 5432, "db", 5432))).create();

        SshTunnel failed = awaitCondition(ns, "warehouse", "SpecApplied", "ApplyFailed");
        assertThat(condition(failed, "SpecApplied").getMessage()).startsWith("could not apply the forwarder Deployment: ")
                .contains("no-deployments").contains("HTTP 403").endsWith("; retrying with backoff");
        assertThat(ready(failed).getReason()).as("nothing runs").isEqualTo("ApplyFailed");
        assertThat(failed.getStatus().getObservedGeneration()).isEqualTo(failed.getMetadata().getGeneration());
        assertThat(condition(failed, "SpecApplied").getObservedGeneration()).isEqualTo(failed.getMetadata().getGeneration());

        client.resourceQuotas().inNamespace(ns).withName("no-deployments").delete();

        awaitCondition(ns, "warehouse", "SpecApplied", "Applied");
        awaitDeployment(ns, "warehouse");
    }

    /**
     * Egress goes where the spec says: the SSH server's own address when it is written as one, the
     * cluster DNS pods only, a Remote target's address, and spec.networkPolicy.egressTo for names.
     */
    @Test
    void egressIsRestrictedToTheAddressesTheSpecNames() {
        String ns = "egress";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        SshTunnel tunnel = tunnel(ns, "hooks", remote("literal", 0, "10.1.2.3", 80), remote("named", 9000, "web.apps.svc", 8080));
        tunnel.getSpec().getSsh().setHost("2001:db8::10");
        var policySpec = new dev.sshtunnel.api.v1alpha1.NetworkPolicySpec();
        policySpec.setEgressTo(List.of(new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder()
                .withNewIpBlock().withCidr("10.96.0.0/12").endIpBlock().build()));
        tunnel.getSpec().setNetworkPolicy(policySpec);
        client.resource(tunnel).create();

        var policy = await().atMost(TIMEOUT).until(
                () -> client.network().v1().networkPolicies().inNamespace(ns).withName("hooks").get(), p -> p != null);
        var egress = policy.getSpec().getEgress();
        assertThat(egress).extracting(r -> r.getPorts().stream().map(p -> p.getProtocol() + "/" + p.getPort().getIntVal()).toList())
                .containsExactly(List.of("TCP/22"), List.of("UDP/53", "TCP/53"), List.of("TCP/80"), List.of("TCP/8080"));
        assertThat(egress.get(0).getTo()).singleElement().satisfies(p -> assertThat(p.getIpBlock().getCidr()).isEqualTo("2001:db8::10/128"));
        assertThat(egress.get(1).getTo()).singleElement().satisfies(p -> {
            assertThat(p.getNamespaceSelector().getMatchLabels()).containsExactly(Map.entry("kubernetes.io/metadata.name", "kube-system"));
            assertThat(p.getPodSelector().getMatchLabels()).containsExactly(Map.entry("k8s-app", "kube-dns"));
        });
        assertThat(egress.get(2).getTo()).singleElement().satisfies(p -> assertThat(p.getIpBlock().getCidr()).isEqualTo("10.1.2.3/32"));
        assertThat(egress.get(3).getTo()).singleElement().satisfies(p -> assertThat(p.getIpBlock().getCidr()).isEqualTo("10.96.0.0/12"));
    }

    /**
     * A tenant's tunnel on a ClusterSshBastion: its objects are placed in the bastion's namespace under a name unique
     * there, its document carries the bastion's server and a target.service as the Service's cluster DNS name, the
     * pods' policy admits the tenant's namespace and lets them reach that Service's namespace on its port, and the
     * tenant gets an ExternalName alias. The bastion reaches its server through an authenticating proxy: the document
     * carries the proxy and the Secret's name, never its values, the pods mount its two keys, and their egress goes to
     * the proxy, not to the server.
     */
    @Test
    void aTunnelOnAClusterBastionIsPlacedBesideTheKeyAndAliasedInItsNamespace() {
        String platform = "placed-platform";
        String tenant = "placed-tenant";
        RealCluster.namespace(platform);
        RealCluster.namespace(tenant);
        client.namespaces().withName(tenant).edit(n -> {
            n.getMetadata().getLabels().put("team", "placed");
            return n;
        });
        client.resource(keySecret(platform, "key-v1")).create();
        dev.sshtunnel.testing.UsedSecrets.text(PROXY_PASSWORD);
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("proxy-auth")
                .withNamespace(platform).endMetadata().addToStringData("user", "edge").addToStringData("password", PROXY_PASSWORD)
                .build()).create();
        var bastion = dev.sshtunnel.testing.TunnelFixtures.clusterBastion("placed-edge", platform, "placed");
        var proxy = new dev.sshtunnel.api.v1alpha1.ProxySpec();
        proxy.setType(dev.sshtunnel.api.v1alpha1.ProxyType.HTTPConnect);
        proxy.setHost("192.0.2.80");
        proxy.setPort(3128);
        proxy.setCredentialsSecretRef(new dev.sshtunnel.api.v1alpha1.ProxyCredentialsSecretRef("proxy-auth", "user", "password"));
        bastion.getSpec().getSsh().setProxy(proxy);
        client.resource(bastion).create();
        var hook = remote("hook", 8443, "ignored", 80);
        hook.getTarget().setHost(null);
        hook.getTarget().setService("web");
        client.resource(dev.sshtunnel.testing.TunnelFixtures.onBastion(tenant, "hooks",
                dev.sshtunnel.api.v1alpha1.BastionKind.ClusterSshBastion, "placed-edge", local("postgres", 5432, "db", 5432), hook))
                .create();

        var deployment = await().atMost(TIMEOUT).until(() -> client.apps().deployments().inNamespace(platform)
                .withLabel("sshtunnel.dev/tunnel-name", "hooks").list().getItems(), d -> d.size() == 1).get(0);
        String placed = deployment.getMetadata().getName();
        assertThat(placed).startsWith("hooks-").isNotEqualTo("hooks");
        assertThat(deployment.getMetadata().getLabels()).containsEntry("sshtunnel.dev/tunnel-namespace", tenant);
        assertThat(deployment.getMetadata().getOwnerReferences()).extracting(OwnerReference::getKind, OwnerReference::getName)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("ClusterSshBastion", "placed-edge"));
        String document = await().atMost(TIMEOUT).until(() -> client.configMaps().inNamespace(platform).withName(placed + "-tunnel")
                .get(), c -> c != null).getData().get("tunnel.yaml");
        assertThat(document).contains("bastion.example.com").contains("web." + tenant + ".svc")
                .doesNotContain("bastionRef").doesNotContain("service:")
                .contains("host: \"192.0.2.80\"").contains("name: \"proxy-auth\"").doesNotContain(PROXY_PASSWORD);
        assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
                .filteredOn(v -> v.getSecret() != null && v.getSecret().getSecretName().equals("proxy-auth")).singleElement()
                .satisfies(v -> assertThat(v.getSecret().getItems()).extracting(i -> i.getKey()).containsExactly("password", "user"));

        var policy = await().atMost(TIMEOUT).until(
                () -> client.network().v1().networkPolicies().inNamespace(platform).withName(placed).get(), p -> p != null);
        assertThat(policy.getSpec().getIngress().get(0).getFrom()).singleElement().satisfies(peer -> assertThat(
                peer.getNamespaceSelector().getMatchLabels()).containsExactly(Map.entry("kubernetes.io/metadata.name", tenant)));
        assertThat(policy.getSpec().getEgress()).first().satisfies(rule -> {
            assertThat(rule.getPorts()).extracting(p -> p.getPort().getIntVal()).as("the proxy's port, not SSH's").containsExactly(3128);
            assertThat(rule.getTo()).singleElement().satisfies(peer -> assertThat(peer.getIpBlock().getCidr()).isEqualTo("192.0.2.80/32"));
        });
        assertThat(policy.getSpec().getEgress()).last().satisfies(rule -> {
            assertThat(rule.getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(80);
            assertThat(rule.getTo()).singleElement().satisfies(peer -> assertThat(peer.getNamespaceSelector().getMatchLabels())
                    .as("the target Service's namespace, not any address").containsExactly(Map.entry("kubernetes.io/metadata.name", tenant)));
        });

        var alias = await().atMost(TIMEOUT).until(() -> client.services().inNamespace(tenant).withName("hooks").get(), v -> v != null);
        assertThat(alias.getSpec().getType()).isEqualTo("ExternalName");
        assertThat(alias.getSpec().getExternalName()).isEqualTo(placed + "." + platform + ".svc.cluster.local");
        assertThat(client.services().inNamespace(platform).withName(placed).get().getSpec().getSelector())
                .containsEntry("app.kubernetes.io/instance", placed);
        assertThat(client.apps().deployments().inNamespace(tenant).list().getItems()).isEmpty();
        assertThat(client.configMaps().inNamespace(tenant).withLabel("app.kubernetes.io/managed-by", "sshtunnel-operator").list()
                .getItems()).isEmpty();
    }

    /** A NodePort/LoadBalancer Service behind the default namespace-only ingress: a warning says outside clients are dropped. */
    @Test
    void anExternalServiceBehindNamespaceOnlyIngressIsWarnedAbout() {
        String ns = "nodeport";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        SshTunnel tunnel = tunnel(ns, "warehouse", local("postgres", 5432, "db", 5432));
        tunnel.getSpec().setService(new dev.sshtunnel.api.v1alpha1.ServiceSpec());
        tunnel.getSpec().getService().setType(dev.sshtunnel.api.v1alpha1.ServiceType.NodePort);
        client.resource(tunnel).create();

        SshTunnel warned = awaitCondition(ns, "warehouse", "ExternalTrafficBlocked", "NamespaceOnlyIngress");
        assertThat(condition(warned, "ExternalTrafficBlocked").getStatus()).isEqualTo("True");
        assertThat(condition(warned, "ExternalTrafficBlocked").getMessage()).contains("spec.service.type is NodePort")
                .contains("namespace nodeport").contains("spec.networkPolicy.ingressFrom");

        edit(ns, "warehouse", t -> {
            var policySpec = new dev.sshtunnel.api.v1alpha1.NetworkPolicySpec();
            policySpec.setIngressFrom(List.of(new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder()
                    .withNewIpBlock().withCidr("192.0.2.0/24").endIpBlock().build()));
            t.getSpec().setNetworkPolicy(policySpec);
        });
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(get(ns, "warehouse").getStatus().getConditions())
                .extracting(Condition::getType).doesNotContain("ExternalTrafficBlocked"));
    }

    private Deployment awaitDeployment(String ns, String name) {
        return await().atMost(TIMEOUT).until(() -> client.apps().deployments().inNamespace(ns).withName(name).get(),
                d -> d != null);
    }

    private Service awaitService(String ns, String name) {
        return await().atMost(TIMEOUT).until(() -> client.services().inNamespace(ns).withName(name).get(), s -> s != null);
    }

    private SshTunnel awaitReadyReason(String ns, String name, String reason) {
        return await().atMost(TIMEOUT).until(() -> get(ns, name),
                t -> t.getStatus() != null && t.getStatus().getConditions().stream()
                        .anyMatch(c -> c.getType().equals("Ready") && reason.equals(c.getReason())));
    }

    private SshTunnel awaitCondition(String ns, String name, String type, String reason) {
        return await().atMost(TIMEOUT).until(() -> get(ns, name),
                t -> t.getStatus() != null && t.getStatus().getConditions().stream()
                        .anyMatch(c -> c.getType().equals(type) && reason.equals(c.getReason())));
    }

    /** The objects the operator writes for a tunnel, by their resourceVersion (the Deployment by what the operator owns of it). */
    private Map<String, String> dependentVersions(String ns, String name) {
        return Map.of(
                "configmap", client.configMaps().inNamespace(ns).withName(name + "-tunnel").get().getMetadata().getResourceVersion(),
                // The deployment controller writes the Deployment's status at any time: its spec and metadata are what we own.
                "deployment", deploymentAsWritten(client.apps().deployments().inNamespace(ns).withName(name).get()),
                "service", client.services().inNamespace(ns).withName(name).get().getMetadata().getResourceVersion(),
                "networkpolicy", client.network().v1().networkPolicies().inNamespace(ns).withName(name).get().getMetadata()
                        .getResourceVersion());
    }

    private static String deploymentAsWritten(Deployment deployment) {
        return "generation " + deployment.getMetadata().getGeneration() + " labels " + deployment.getMetadata().getLabels()
                + " annotations " + new TreeMap<>(deployment.getMetadata().getAnnotations()).entrySet().stream()
                        .filter(a -> !a.getKey().startsWith("deployment.kubernetes.io/")).toList();
    }

    private SshTunnel get(String ns, String name) {
        return client.resources(SshTunnel.class).inNamespace(ns).withName(name).get();
    }

    private void edit(String ns, String name, Consumer<SshTunnel> change) {
        RealCluster.update(SshTunnel.class, ns, name, change);
    }

    private List<Event> events(String ns) {
        return client.v1().events().inNamespace(ns).list().getItems();
    }

    private Map<String, String> resourceVersions(String ns, String name) {
        return Map.of(
                "tunnel", get(ns, name).getMetadata().getResourceVersion(),
                "configmap", client.configMaps().inNamespace(ns).withName(name + "-tunnel").get().getMetadata().getResourceVersion(),
                // The deployment controller writes the Deployment's status at any time: its spec and metadata are what we own.
                "deployment", deploymentAsWritten(client.apps().deployments().inNamespace(ns).withName(name).get()),
                "service", client.services().inNamespace(ns).withName(name).get().getMetadata().getResourceVersion());
    }

    private static String template(Deployment deployment) {
        return Serialization.asYaml(deployment.getSpec().getTemplate());
    }

    private static Condition ready(SshTunnel tunnel) {
        return condition(tunnel, "Ready");
    }

    private static Condition condition(SshTunnel tunnel, String type) {
        return tunnel.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }
}
