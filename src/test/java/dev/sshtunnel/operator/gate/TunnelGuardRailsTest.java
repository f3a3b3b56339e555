package dev.sshtunnel.operator.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.ForwarderSpec;
import dev.sshtunnel.api.v1alpha1.ServiceSpec;
import dev.sshtunnel.api.v1alpha1.ServiceType;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.OperatorConfig;
import dev.sshtunnel.testing.TunnelFixtures;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/** Each guard rail with the operator's own defaults (read from OperatorConfig, not restated here) and widened. */
class TunnelGuardRailsTest {

    /** The rules as the operator builds them from these properties on top of OperatorConfig's defaults. */
    static TunnelGuardRails rails(Map<String, String> properties) {
        OperatorConfig config = new SmallRyeConfigBuilder()
                .withMapping(OperatorConfig.class)
                .withConverter(java.time.Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build()
                .getConfigMapping(OperatorConfig.class);
        return new TunnelGuardRails(TunnelGuardRails.Settings.of(config.guardRails()));
    }

    private static final TunnelGuardRails DEFAULTS = rails(Map.of());
    private static final TunnelGuardRails WIDE = rails(Map.of(
            "sshtunnel.guard-rails.service-types", "ClusterIP,NodePort,LoadBalancer",
            "sshtunnel.guard-rails.service-annotation-prefixes", "*",
            "sshtunnel.guard-rails.pod-annotation-prefixes", "*",
            "sshtunnel.guard-rails.tenant-scheduling", "true",
            "sshtunnel.guard-rails.max-cpu", "8",
            "sshtunnel.guard-rails.max-memory", "8Gi"));

    private final SshTunnel tunnel = TunnelFixtures.tunnel("apps", "warehouse", TunnelFixtures.local("pg", 5432, "db", 5432));

    private ServiceSpec service() {
        tunnel.getSpec().setService(new ServiceSpec());
        return tunnel.getSpec().getService();
    }

    private ForwarderSpec forwarder() {
        tunnel.getSpec().setForwarder(new ForwarderSpec());
        return tunnel.getSpec().getForwarder();
    }

    @Test
    void aPlainTunnelKeepsTheDefaults() {
        service().setType(ServiceType.ClusterIP);
        forwarder().setResources(new ResourceRequirementsBuilder().addToRequests("cpu", new Quantity("2"))
                .addToLimits("memory", new Quantity("1Gi")).build());
        assertThat(DEFAULTS.shapeProblem(tunnel)).isEmpty();
    }

    @Test
    void serviceTypesOtherThanClusterIpAreRefusedByDefault() {
        service().setType(ServiceType.LoadBalancer);
        assertThat(DEFAULTS.shapeProblem(tunnel)).hasValueSatisfying(m -> assertThat(m)
                .contains("spec.service.type LoadBalancer", "sshtunnel.guard-rails.service-types",
                        "SSHTUNNEL_GUARD_RAILS_SERVICE_TYPES", "[ClusterIP]"));
        assertThat(WIDE.shapeProblem(tunnel)).isEmpty();
        assertThat(rails(Map.of("sshtunnel.guard-rails.service-types", "ClusterIP, NodePort")).shapeProblem(tunnel))
                .isPresent();
    }

    @Test
    void serviceAnnotationsNeedAnAllowedPrefix() {
        service().setAnnotations(Map.of("external-dns.alpha.kubernetes.io/hostname", "db.example.com"));
        assertThat(DEFAULTS.shapeProblem(tunnel)).hasValueSatisfying(m -> assertThat(m)
                .contains("spec.service.annotations key \"external-dns.alpha.kubernetes.io/hostname\"",
                        "sshtunnel.guard-rails.service-annotation-prefixes", "(no key allowed)"));
        assertThat(rails(Map.of("sshtunnel.guard-rails.service-annotation-prefixes", "example.com/")).shapeProblem(tunnel))
                .isPresent();
        assertThat(rails(Map.of("sshtunnel.guard-rails.service-annotation-prefixes", "example.com/,external-dns."))
                .shapeProblem(tunnel)).isEmpty();
        assertThat(WIDE.shapeProblem(tunnel)).isEmpty();
    }

    @Test
    void schedulingIsTheAdminsUnlessTenantSchedulingIsOn() {
        forwarder().setNodeSelector(Map.of("kubernetes.io/hostname", "node-1"));
        assertThat(DEFAULTS.shapeProblem(tunnel)).hasValueSatisfying(m -> assertThat(m)
                .contains("spec.forwarder.nodeSelector", "sshtunnel.guard-rails.tenant-scheduling", "remove it"));
        assertThat(WIDE.shapeProblem(tunnel)).isEmpty();

        forwarder().setTolerations(List.of(new TolerationBuilder().withOperator("Exists").build()));
        assertThat(DEFAULTS.shapeProblem(tunnel)).hasValueSatisfying(m -> assertThat(m)
                .contains("spec.forwarder.tolerations", "SSHTUNNEL_GUARD_RAILS_TENANT_SCHEDULING"));
        assertThat(WIDE.shapeProblem(tunnel)).isEmpty();
    }

    @Test
    void podAnnotationsNeedAnAllowedPrefix() {
        forwarder().setPodAnnotations(Map.of("example.com/cost-centre", "42"));
        assertThat(DEFAULTS.shapeProblem(tunnel)).hasValueSatisfying(m -> assertThat(m)
                .contains("spec.forwarder.podAnnotations key \"example.com/cost-centre\"",
                        "sshtunnel.guard-rails.pod-annotation-prefixes"));
        assertThat(rails(Map.of("sshtunnel.guard-rails.pod-annotation-prefixes", "example.com/")).shapeProblem(tunnel))
                .isEmpty();
        assertThat(WIDE.shapeProblem(tunnel)).isEmpty();
    }

    @Test
    void resourcesAboveTheCapsAreRefused() {
        forwarder().setResources(new ResourceRequirementsBuilder().addToLimits("cpu", new Quantity("2500m")).build());
        assertThat(DEFAULTS.shapeProblem(tunnel)).hasValueSatisfying(m -> assertThat(m)
                .contains("spec.forwarder.resources.limits.cpu 2500m", "sshtunnel.guard-rails.max-cpu", "(2)"));
        forwarder().setResources(new ResourceRequirementsBuilder().addToRequests("memory", new Quantity("2Gi")).build());
        assertThat(DEFAULTS.shapeProblem(tunnel)).hasValueSatisfying(m -> assertThat(m)
                .contains("spec.forwarder.resources.requests.memory 2Gi", "SSHTUNNEL_GUARD_RAILS_MAX_MEMORY"));
        assertThat(WIDE.shapeProblem(tunnel)).isEmpty();
        forwarder().setResources(new ResourceRequirementsBuilder().addToRequests("memory", new Quantity("1024Mi")).build());
        assertThat(DEFAULTS.shapeProblem(tunnel)).as("exactly the cap").isEmpty();
        forwarder().setResources(new ResourceRequirementsBuilder().addToLimits("cpu", new Quantity("lots")).build());
        assertThat(DEFAULTS.shapeProblem(tunnel)).hasValueSatisfying(m -> assertThat(m)
                .contains("spec.forwarder.resources.limits.cpu \"lots\" is not a quantity", "sshtunnel.guard-rails.max-cpu"));
    }

    @Test
    void inlineSshIsRefusedWhenDenied() {
        TunnelGuardRails denied = rails(Map.of("sshtunnel.guard-rails.inline-ssh", "Denied"));
        assertThat(denied.shapeProblem(tunnel)).hasValueSatisfying(m -> assertThat(m)
                .contains("spec.ssh is set", "sshtunnel.guard-rails.inline-ssh", "Denied", "spec.bastionRef"));
        assertThat(DEFAULTS.shapeProblem(tunnel)).isEmpty();
        SshTunnel onBastion = TunnelFixtures.onBastion("apps", "warehouse", dev.sshtunnel.api.v1alpha1.BastionKind.ClusterSshBastion,
                "edge", TunnelFixtures.local("pg", 5432, "db", 5432));
        assertThat(denied.shapeProblem(onBastion)).as("a bastion tunnel has no inline spec.ssh").isEmpty();
    }

    @Test
    void inlineSecretsNeedTheLabelWhenAsked() {
        TunnelGuardRails labelled = rails(Map.of("sshtunnel.guard-rails.inline-secrets-need-label", "true"));
        Map<String, String> fields = Map.of("bastion-key", "spec.ssh.privateKeySecretRef");
        assertThat(labelled.secretProblem(tunnel, fields, name -> false)).hasValueSatisfying(m -> assertThat(m)
                .contains("Secret apps/bastion-key (referenced by spec.ssh.privateKeySecretRef)",
                        "sshtunnel.dev/usable: \"true\"", "sshtunnel.guard-rails.inline-secrets-need-label"));
        assertThat(labelled.secretProblem(tunnel, fields, name -> true)).isEmpty();
        assertThat(DEFAULTS.secretProblem(tunnel, fields, name -> false)).isEmpty();
        SshTunnel onBastion = TunnelFixtures.onBastion("apps", "warehouse", dev.sshtunnel.api.v1alpha1.BastionKind.SshBastion,
                "edge", TunnelFixtures.local("pg", 5432, "db", 5432));
        assertThat(labelled.secretProblem(onBastion, fields, name -> false)).as("a bastion's Secrets are the platform's").isEmpty();
    }
}
