package dev.sshtunnel.operator.dependent;

import static dev.sshtunnel.operator.dependent.WiredDependents.PLATFORM;
import static dev.sshtunnel.operator.dependent.WiredDependents.TENANT;
import static dev.sshtunnel.testing.TunnelFixtures.dynamic;
import static dev.sshtunnel.testing.TunnelFixtures.local;
import static dev.sshtunnel.testing.TunnelFixtures.remote;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.ForwarderSpec;
import dev.sshtunnel.api.v1alpha1.ProxyCredentialsSecretRef;
import dev.sshtunnel.api.v1alpha1.ProxySpec;
import dev.sshtunnel.api.v1alpha1.ProxyType;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.OperatorSettings;
import dev.sshtunnel.testing.ReconcileContext;
import dev.sshtunnel.testing.TunnelFixtures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

/** The forwarder Deployment the operator asks for, field by field (what a pod may do is here, not only in the ITs). */
class ForwarderDeploymentDependentTest {

    private static final Map<String, String> SELECTOR = Map.of("app.kubernetes.io/name", "sshtunnel-forwarder",
            "app.kubernetes.io/instance", "db");
    private static final Map<String, String> LABELS = Map.of("app.kubernetes.io/name", "sshtunnel-forwarder",
            "app.kubernetes.io/instance", "db", "app.kubernetes.io/component", "forwarder",
            "app.kubernetes.io/managed-by", "sshtunnel-operator");

    private final ForwarderDeploymentDependent dependent = WiredDependents.deployment(OperatorSettings.defaults());

    private Deployment desired(SshTunnel tunnel) {
        return dependent.desired(tunnel, ReconcileContext.of(tunnel));
    }

    @Test
    void namedAndLabelledForItsTunnelWithASelectorThatNeverChanges() {
        Deployment deployment = desired(WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432)));
        assertThat(deployment.getMetadata().getName()).isEqualTo("db");
        assertThat(deployment.getMetadata().getNamespace()).isEqualTo("apps");
        assertThat(deployment.getMetadata().getLabels()).isEqualTo(LABELS);
        assertThat(deployment.getSpec().getSelector().getMatchLabels()).isEqualTo(SELECTOR);
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).isEqualTo(LABELS);
        assertThat(deployment.getSpec().getRevisionHistoryLimit()).isEqualTo(3);
        assertThat(deployment.getMetadata().getOwnerReferences()).as("JOSDK adds the tunnel's").isNullOrEmpty();
    }

    @Test
    void ownedByTheTunnelInItsOwnNamespace() {
        SshTunnel tunnel = WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432));
        Deployment deployment = desired(tunnel);
        dependent.addReferenceHandlingMetadata(deployment, tunnel);
        assertThat(deployment.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
            assertThat(owner.getApiVersion()).isEqualTo("sshtunnel.dev/v1alpha1");
            assertThat(owner.getKind()).isEqualTo("SshTunnel");
            assertThat(owner.getName()).isEqualTo("db");
            assertThat(owner.getUid()).isEqualTo("0b7e6a5c-tunnel");
        });
    }

    @Test
    void thePodRunsConfinedAsUid185WithoutToken() {
        PodSpec pod = desired(WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432))).getSpec().getTemplate().getSpec();
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getEnableServiceLinks()).isFalse();
        assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(30L);
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(185L);
        assertThat(pod.getSecurityContext().getRunAsGroup()).isEqualTo(185L);
        assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(185L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getSecurityContext().getSysctls()).as("no privileged port").isNullOrEmpty();

        Container container = pod.getContainers().get(0);
        assertThat(pod.getContainers()).hasSize(1);
        assertThat(container.getName()).isEqualTo("forwarder");
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(container.getSecurityContext().getPrivileged()).isNull();
    }

    @Test
    void aPortBelow1024IsAllowedBySysctlNotByACapability() {
        PodSpec pod = desired(WiredDependents.tunnel(local("web", 80, "web.internal", 8080), remote("hook", 443, "10.0.0.1", 8443)))
                .getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getSysctls()).containsExactly(new Sysctl("net.ipv4.ip_unprivileged_port_start", "0"));
        assertThat(pod.getContainers().get(0).getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        // A Remote forward's port is the server's, not the pod's.
        PodSpec remoteOnly = desired(WiredDependents.tunnel(remote("hook", 443, "10.0.0.1", 8443))).getSpec().getTemplate().getSpec();
        assertThat(remoteOnly.getSecurityContext().getSysctls()).isNullOrEmpty();
    }

    @Test
    void theContainerRunsTheForwarderOnTheMountedDocumentWithTheOperatorsGuardRail() {
        Container container = desired(WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432)))
                .getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("ghcr.io/sshtunnel-dev/sshtunnel-operator:0.1.0");
        assertThat(container.getImagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(container.getArgs()).containsExactly("forward", "-f", "/etc/sshtunnel/tunnel/tunnel.yaml",
                "--secrets-dir", "/etc/sshtunnel/secrets", "--bind-address", "0.0.0.0", "--http-address", "$(POD_IP)", "--admitted",
                "--denied-targets=169.254.0.0/16,fd00:ec2::254/128,127.0.0.0/8,::1/128",
                "--api-server-targets=" + WiredDependents.API_SERVER);
        assertThat(container.getEnv()).singleElement().satisfies(env -> {
            assertThat(env.getName()).isEqualTo("POD_IP");
            assertThat(env.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
        });
        // Only the status port: forward ports are the Service's and the NetworkPolicy's, so adding one rolls no pod.
        assertThat(container.getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("http");
            assertThat(port.getContainerPort()).isEqualTo(8081);
            assertThat(port.getProtocol()).isEqualTo("TCP");
        });
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(container.getLivenessProbe().getHttpGet().getPort()).isEqualTo(new IntOrString("http"));
        assertThat(List.of(container.getLivenessProbe().getPeriodSeconds(), container.getLivenessProbe().getFailureThreshold(),
                container.getLivenessProbe().getTimeoutSeconds())).containsExactly(10, 3, 2);
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(List.of(container.getReadinessProbe().getPeriodSeconds(), container.getReadinessProbe().getFailureThreshold(),
                container.getReadinessProbe().getTimeoutSeconds())).containsExactly(2, 1, 1);
        assertThat(container.getResources().getRequests()).containsEntry("cpu", new Quantity("50m"))
                .containsEntry("memory", new Quantity("128Mi"));
        assertThat(container.getResources().getLimits()).containsOnly(Map.entry("memory", new Quantity("256Mi")));
    }

    @Test
    void theDocumentTheSecretKeysAndAScratchDirectoryAreTheOnlyVolumes() {
        SshTunnel tunnel = WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432));
        tunnel.getSpec().getSsh().getPrivateKeySecretRef().setPassphraseKey("passphrase");
        PodSpec pod = desired(tunnel).getSpec().getTemplate().getSpec();
        assertThat(pod.getVolumes()).extracting(Volume::getName).containsExactly("tunnel", "secret-0", "tmp");
        Volume document = pod.getVolumes().get(0);
        assertThat(document.getConfigMap().getName()).isEqualTo("db-tunnel");
        assertThat(document.getConfigMap().getItems()).as("the whole directory: the kubelet updates it in place").isNullOrEmpty();
        Volume secret = pod.getVolumes().get(1);
        assertThat(secret.getSecret().getSecretName()).isEqualTo("bastion-key");
        assertThat(secret.getSecret().getDefaultMode()).isEqualTo(0400);
        assertThat(secret.getSecret().getItems()).extracting(item -> item.getKey() + "->" + item.getPath())
                .containsExactlyInAnyOrder("id_ed25519->id_ed25519", "passphrase->passphrase");
        Volume tmp = pod.getVolumes().get(2);
        assertThat(tmp.getEmptyDir().getMedium()).isEqualTo("Memory");
        assertThat(tmp.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("16Mi"));
        assertThat(pod.getContainers().get(0).getVolumeMounts())
                .extracting(m -> m.getName() + ":" + m.getMountPath() + ":" + m.getReadOnly())
                .containsExactly("tunnel:/etc/sshtunnel/tunnel:true", "secret-0:/etc/sshtunnel/secrets/bastion-key:true",
                        "tmp:/tmp:null");
    }

    @Test
    void proxyCredentialsAreMountedLikeTheSshOnesKeyByKey() {
        SshTunnel tunnel = WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432));
        ProxySpec proxy = new ProxySpec();
        proxy.setType(ProxyType.SOCKS5);
        proxy.setHost("proxy.corp.example");
        proxy.setPort(1080);
        proxy.setCredentialsSecretRef(new ProxyCredentialsSecretRef("proxy-auth", "user", "password"));
        tunnel.getSpec().getSsh().setProxy(proxy);
        PodSpec pod = desired(tunnel).getSpec().getTemplate().getSpec();
        assertThat(pod.getVolumes()).filteredOn(v -> v.getSecret() != null && v.getSecret().getSecretName().equals("proxy-auth"))
                .singleElement().satisfies(v -> assertThat(v.getSecret().getItems())
                        .extracting(item -> item.getKey() + "->" + item.getPath()).containsExactly("password->password", "user->user"));
    }

    @Test
    void replicasFollowTheSpecAndSuspendScalesToZero() {
        SshTunnel tunnel = WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432));
        assertThat(desired(tunnel).getSpec().getReplicas()).isEqualTo(1);
        tunnel.getSpec().setReplicas(2);
        assertThat(desired(tunnel).getSpec().getReplicas()).isEqualTo(2);
        tunnel.getSpec().setSuspend(true);
        assertThat(desired(tunnel).getSpec().getReplicas()).isZero();
    }

    @Test
    void podsRollOneAtATimeNeverToZeroReadyUnlessTheServerAllocatesTheRemotePort() {
        var rolling = desired(WiredDependents.tunnel(remote("hook", 8443, "10.0.0.1", 80))).getSpec().getStrategy();
        assertThat(rolling.getType()).isEqualTo("RollingUpdate");
        assertThat(rolling.getRollingUpdate().getMaxUnavailable()).isEqualTo(new IntOrString(0));
        assertThat(rolling.getRollingUpdate().getMaxSurge()).isEqualTo(new IntOrString(1));
        var recreate = desired(WiredDependents.tunnel(remote("hook", 0, "10.0.0.1", 80))).getSpec().getStrategy();
        assertThat(recreate.getType()).isEqualTo("Recreate");
        assertThat(recreate.getRollingUpdate()).isNull();
    }

    @Test
    void replicasSpreadOverNodesWhereTheSchedulerCan() {
        var spread = desired(WiredDependents.tunnel(dynamic("socks", 1080))).getSpec().getTemplate().getSpec()
                .getTopologySpreadConstraints();
        assertThat(spread).singleElement().satisfies(constraint -> {
            assertThat(constraint.getMaxSkew()).isEqualTo(1);
            assertThat(constraint.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(constraint.getWhenUnsatisfiable()).isEqualTo("ScheduleAnyway");
            assertThat(constraint.getLabelSelector().getMatchLabels()).isEqualTo(SELECTOR);
        });
    }

    @Test
    void theTunnelsForwarderSettingsReachThePod() {
        SshTunnel tunnel = WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432));
        ForwarderSpec forwarder = new ForwarderSpec();
        forwarder.setImage("registry.example/forwarder:2");
        forwarder.setNodeSelector(Map.of("pool", "edge"));
        forwarder.setPodAnnotations(Map.of("prometheus.io/scrape", "true"));
        forwarder.setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
                .addToLimits("cpu", new Quantity("1")).build());
        tunnel.getSpec().setForwarder(forwarder);
        Deployment deployment = desired(tunnel);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers().get(0).getImage()).isEqualTo("registry.example/forwarder:2");
        assertThat(pod.getContainers().get(0).getResources().getLimits()).containsOnly(Map.entry("cpu", new Quantity("1")));
        assertThat(pod.getNodeSelector()).isEqualTo(Map.of("pool", "edge"));
        assertThat(pod.getTolerations()).isNullOrEmpty();
        assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
                .isEqualTo(Map.of("prometheus.io/scrape", "true"));
    }

    /** On a ClusterSshBastion the pods run in its credentials namespace, owned by the bastion, labelled with their tunnel. */
    @Test
    void onAClusterBastionThePodsRunInItsNamespaceOwnedByItAndMountItsKey() {
        SshTunnel tunnel = WiredDependents.tenantTunnel(local("echo", 7000, "127.0.0.1", 7001));
        Deployment deployment = dependent.desired(tunnel, WiredDependents.onEdge(tunnel));
        assertThat(deployment.getMetadata().getNamespace()).isEqualTo(PLATFORM);
        assertThat(deployment.getMetadata().getName()).startsWith("web-").hasSize("web-".length() + 10);
        assertThat(deployment.getMetadata().getLabels()).containsEntry("sshtunnel.dev/tunnel-namespace", TENANT)
                .containsEntry("sshtunnel.dev/tunnel-name", "web")
                .containsEntry("app.kubernetes.io/instance", deployment.getMetadata().getName());
        assertThat(deployment.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
            assertThat(owner.getKind()).isEqualTo("ClusterSshBastion");
            assertThat(owner.getName()).isEqualTo("edge");
            assertThat(owner.getUid()).isEqualTo("e1-bastion");
        });
        dependent.addReferenceHandlingMetadata(deployment, tunnel);
        assertThat(deployment.getMetadata().getOwnerReferences()).as("no owner reference across namespaces")
                .extracting(o -> o.getKind()).containsExactly("ClusterSshBastion");
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getVolumes().get(1).getSecret().getSecretName()).isEqualTo(TunnelFixtures.KEY_SECRET);
        assertThat(pod.getVolumes().get(0).getConfigMap().getName()).isEqualTo(deployment.getMetadata().getName() + "-tunnel");
    }

    @Test
    void onlyWhatTheOperatorReadsOrOwnsReconcilesTheTunnelAgain() {
        Deployment old = desired(WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432)));
        old.getMetadata().setGeneration(1L);
        var filter = new ForwarderDeploymentDependent.ReadChanges();

        Deployment counted = new DeploymentBuilder(old).withNewStatus().withReplicas(1).withUnavailableReplicas(1)
                .withObservedGeneration(1L).endStatus().build();
        assertThat(filter.accept(counted, old)).as("the deployment controller's counts").isFalse();

        Deployment ready = new DeploymentBuilder(counted).editStatus().withReadyReplicas(1).endStatus().build();
        assertThat(filter.accept(ready, counted)).as("a pod became ready").isTrue();
        Deployment edited = new DeploymentBuilder(old).editMetadata().withGeneration(2L).endMetadata().build();
        assertThat(filter.accept(edited, old)).as("a spec edit, to be undone").isTrue();
        Deployment relabelled = new DeploymentBuilder(old).editMetadata().addToLabels("app.kubernetes.io/name", "other")
                .endMetadata().build();
        assertThat(filter.accept(relabelled, old)).as("a label edit").isTrue();
        Deployment rolled = new DeploymentBuilder(old).editMetadata().addToAnnotations("deployment.kubernetes.io/revision", "2")
                .endMetadata().build();
        assertThat(filter.accept(rolled, old)).as("a new revision").isTrue();
    }
}
