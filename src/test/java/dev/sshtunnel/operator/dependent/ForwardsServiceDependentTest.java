package dev.sshtunnel.operator.dependent;

import static dev.sshtunnel.testing.TunnelFixtures.dynamic;
import static dev.sshtunnel.testing.TunnelFixtures.local;
import static dev.sshtunnel.testing.TunnelFixtures.remote;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.ServiceSpec;
import dev.sshtunnel.api.v1alpha1.ServiceType;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.OperatorSettings;
import dev.sshtunnel.testing.ReconcileContext;
import io.fabric8.kubernetes.api.model.Service;

/** The Service in front of the forwarder pods: one port per Local or Dynamic forward. */
class ForwardsServiceDependentTest {

    private final ForwardsServiceDependent dependent = WiredDependents.forwardsService(OperatorSettings.defaults());

    @Test
    void onePortPerListeningForwardByNumberToThePods() {
        SshTunnel tunnel = WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432), dynamic("socks", 1080),
                remote("hook", 8443, "web.internal", 80));
        Service service = dependent.desired(tunnel, ReconcileContext.of(tunnel));
        assertThat(service.getMetadata().getName()).isEqualTo("db");
        assertThat(service.getMetadata().getNamespace()).isEqualTo("apps");
        assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(service.getSpec().getSelector()).isEqualTo(Map.of(
                "app.kubernetes.io/name", "sshtunnel-forwarder", "app.kubernetes.io/instance", "db"));
        assertThat(service.getSpec().getPorts()).extracting(p -> p.getName() + " " + p.getProtocol() + " " + p.getPort() + "->"
                + p.getTargetPort().getIntVal()).containsExactly("pg TCP 5432->5432", "socks TCP 1080->1080");
        dependent.addReferenceHandlingMetadata(service, tunnel);
        assertThat(service.getMetadata().getOwnerReferences()).extracting(o -> o.getKind() + "/" + o.getName() + "/" + o.getUid())
                .containsExactly("SshTunnel/db/0b7e6a5c-tunnel");
    }

    @Test
    void theSpecsTypeLabelsAndAnnotationsAreAddedButCannotReplaceTheOperatorsLabels() {
        SshTunnel tunnel = WiredDependents.tunnel(local("pg", 5432, "db.internal", 5432));
        ServiceSpec spec = new ServiceSpec();
        spec.setType(ServiceType.NodePort);
        spec.setLabels(Map.of("team", "data", "app.kubernetes.io/instance", "hijack"));
        spec.setAnnotations(Map.of("example.com/owner", "data"));
        tunnel.getSpec().setService(spec);
        Service service = dependent.desired(tunnel, ReconcileContext.of(tunnel));
        assertThat(service.getSpec().getType()).isEqualTo("NodePort");
        assertThat(service.getMetadata().getLabels()).containsEntry("team", "data")
                .containsEntry("app.kubernetes.io/instance", "db")
                .containsEntry("app.kubernetes.io/managed-by", "sshtunnel-operator");
        assertThat(service.getMetadata().getAnnotations()).isEqualTo(Map.of("example.com/owner", "data"));
    }

    @Test
    void onAClusterBastionItIsPlacedBesideThePods() {
        SshTunnel tunnel = WiredDependents.tenantTunnel(local("echo", 7000, "127.0.0.1", 7001));
        Service service = dependent.desired(tunnel, WiredDependents.onEdge(tunnel));
        assertThat(service.getMetadata().getNamespace()).isEqualTo(WiredDependents.PLATFORM);
        assertThat(service.getMetadata().getName()).startsWith("web-");
        assertThat(service.getMetadata().getLabels()).containsEntry("sshtunnel.dev/tunnel-namespace", WiredDependents.TENANT)
                .containsEntry("sshtunnel.dev/tunnel-name", "web");
        assertThat(service.getSpec().getSelector()).containsEntry("app.kubernetes.io/instance", service.getMetadata().getName());
        assertThat(service.getMetadata().getOwnerReferences()).extracting(o -> o.getKind() + "/" + o.getName())
                .containsExactly("ClusterSshBastion/edge");
    }
}
