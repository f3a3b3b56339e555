package dev.sshtunnel.operator.dependent;

import static dev.sshtunnel.testing.TunnelFixtures.local;
import static dev.sshtunnel.testing.TunnelFixtures.remote;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.OperatorSettings;
import io.fabric8.kubernetes.api.model.Service;

/** The tenant's {@code <name>} Service of a tunnel whose pods run in a bastion's namespace: a DNS alias, nothing per pod. */
class TenantServiceDependentTest {

    private final TenantServiceDependent dependent = WiredDependents.tenantService(OperatorSettings.with(Map.of(
            "sshtunnel.cluster-domain", "corp.local")));

    @Test
    void anExternalNameAliasOfTheServiceBesideThePodsInTheTenantsNamespace() {
        SshTunnel tunnel = WiredDependents.tenantTunnel(local("echo", 7000, "127.0.0.1", 7001), remote("hook", 8001, "127.0.0.1", 80));
        Service alias = dependent.desired(tunnel, WiredDependents.onEdge(tunnel));
        Service placed = WiredDependents.forwardsService(OperatorSettings.defaults()).desired(tunnel, WiredDependents.onEdge(tunnel));
        assertThat(alias.getMetadata().getName()).isEqualTo("web");
        assertThat(alias.getMetadata().getNamespace()).isEqualTo(WiredDependents.TENANT);
        assertThat(alias.getMetadata().getLabels()).containsEntry("app.kubernetes.io/instance", "web")
                .containsEntry("app.kubernetes.io/managed-by", "sshtunnel-operator")
                .doesNotContainKey("sshtunnel.dev/tunnel-namespace");
        assertThat(alias.getSpec().getType()).isEqualTo("ExternalName");
        assertThat(alias.getSpec().getExternalName())
                .isEqualTo(placed.getMetadata().getName() + "." + WiredDependents.PLATFORM + ".svc.corp.local");
        assertThat(alias.getSpec().getSelector()).as("no endpoints of its own").isNullOrEmpty();
        assertThat(alias.getSpec().getPorts()).extracting(p -> p.getName() + " " + p.getPort())
                .containsExactly("echo 7000");
        assertThat(alias.getMetadata().getOwnerReferences()).as("desired adds none; JOSDK adds the tunnel's").isNullOrEmpty();
        dependent.addReferenceHandlingMetadata(alias, tunnel);
        assertThat(alias.getMetadata().getOwnerReferences()).extracting(o -> o.getKind() + "/" + o.getName() + "/" + o.getUid())
                .containsExactly("SshTunnel/web/5d1c-tenant");
    }
}
