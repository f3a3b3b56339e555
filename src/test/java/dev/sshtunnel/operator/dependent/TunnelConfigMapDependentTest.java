package dev.sshtunnel.operator.dependent;

import static dev.sshtunnel.testing.TunnelFixtures.local;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;
import dev.sshtunnel.testing.OperatorSettings;
import dev.sshtunnel.testing.ReconcileContext;
import io.fabric8.kubernetes.api.model.ConfigMap;

/** ConfigMap {@code <name>-tunnel}: tunnel.yaml as the forwarder pods read it. */
class TunnelConfigMapDependentTest {

    private final TunnelConfigMapDependent dependent = WiredDependents.configMap(OperatorSettings.defaults());

    @Test
    void holdsTheRenderedDocumentUnderTunnelYaml() {
        SshTunnel tunnel = WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432));
        ConfigMap config = dependent.desired(tunnel, ReconcileContext.of(tunnel));
        assertThat(config.getMetadata().getName()).isEqualTo("db-tunnel");
        assertThat(config.getMetadata().getNamespace()).isEqualTo("apps");
        assertThat(config.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "sshtunnel-operator")
                .containsEntry("app.kubernetes.io/instance", "db");
        assertThat(config.getData()).containsOnlyKeys("tunnel.yaml");
        String document = config.getData().get("tunnel.yaml");
        assertThat(document).isEqualTo(TunnelDocument.render(tunnel));
        SshTunnel read = TunnelDocument.parse(document);
        assertThat(read.getMetadata().getName()).isEqualTo("db");
        assertThat(read.getMetadata().getGeneration()).isEqualTo(3L);
        assertThat(read.getSpec().getSsh().getHost()).isEqualTo("bastion.example.com");
        assertThat(read.getSpec().getForwards()).singleElement().satisfies(f -> {
            assertThat(f.getName()).isEqualTo("pg");
            assertThat(f.getPort()).isEqualTo(5432);
            assertThat(f.getTarget().getHost()).isEqualTo("db.internal");
        });
        dependent.addReferenceHandlingMetadata(config, tunnel);
        assertThat(config.getMetadata().getOwnerReferences()).extracting(o -> o.getKind() + "/" + o.getName())
                .containsExactly("SshTunnel/db");
    }

    @Test
    void anAcceptedKeyOfAnAcceptNewTunnelIsPinnedInTheDocument() {
        SshTunnel tunnel = WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432));
        tunnel.getSpec().getSsh().getHostKey().setPolicy(HostKeyPolicy.AcceptNew);
        tunnel.setStatus(new SshTunnelStatus());
        tunnel.getStatus().setAcceptedHostKeyFingerprint("SHA256:firstKeySeen");
        SshTunnel read = TunnelDocument.parse(dependent.desired(tunnel, ReconcileContext.of(tunnel)).getData().get("tunnel.yaml"));
        assertThat(read.getSpec().getSsh().getHostKey().getPolicy()).isEqualTo(HostKeyPolicy.Strict);
        assertThat(read.getSpec().getSsh().getHostKey().getFingerprints()).containsExactly("SHA256:firstKeySeen");
    }

    /** On a ClusterSshBastion: the bastion's spec.ssh in place of the reference, in the bastion's namespace. */
    @Test
    void onAClusterBastionTheDocumentCarriesTheBastionsSsh() {
        SshTunnel tunnel = WiredDependents.tenantTunnel(local("echo", 7000, "127.0.0.1", 7001));
        ConfigMap config = dependent.desired(tunnel, WiredDependents.onEdge(tunnel));
        assertThat(config.getMetadata().getNamespace()).isEqualTo(WiredDependents.PLATFORM);
        assertThat(config.getMetadata().getName()).startsWith("web-").endsWith("-tunnel");
        assertThat(config.getMetadata().getOwnerReferences()).extracting(o -> o.getKind() + "/" + o.getName())
                .containsExactly("ClusterSshBastion/edge");
        SshTunnel read = TunnelDocument.parse(config.getData().get("tunnel.yaml"));
        assertThat(read.getSpec().getBastionRef()).isNull();
        assertThat(read.getSpec().getSsh().getHost()).isEqualTo("bastion.example.com");
        assertThat(read.getSpec().getSsh().getPrivateKeySecretRef().getName()).isEqualTo("bastion-key");
        assertThat(read.getMetadata().getNamespace()).isEqualTo(WiredDependents.PLATFORM);
        assertThat(config.getMetadata().getName()).isEqualTo(read.getMetadata().getName() + "-tunnel");
    }
}
