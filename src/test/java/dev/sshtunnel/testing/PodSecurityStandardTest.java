package dev.sshtunnel.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;

/** The checker itself: a pod breaking each control is caught, a compliant one is not. */
class PodSecurityStandardTest {

    private static PodSpecBuilder compliant() {
        return new PodSpecBuilder()
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(10001L)
                    .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                    .addNewSysctl("net.ipv4.ip_unprivileged_port_start", "0")
                .endSecurityContext()
                .addNewContainer().withName("c")
                    .withNewSecurityContext().withAllowPrivilegeEscalation(false)
                        .withNewCapabilities().withDrop("ALL").withAdd("NET_BIND_SERVICE").endCapabilities()
                    .endSecurityContext()
                .endContainer()
                .addNewVolume().withName("s").withNewSecret().withSecretName("x").endSecret().endVolume();
    }

    @Test
    void aCompliantPodPasses() {
        assertThat(PodSecurityStandard.restrictedViolations(compliant().build(), Map.of())).isEmpty();
    }

    @Test
    void everyKindOfViolationIsNamed() {
        PodSpec bad = compliant().withHostNetwork(true).withHostPID(true)
                .editSecurityContext().withRunAsUser(0L).withNewSeccompProfile().withType("Unconfined").endSeccompProfile()
                    .addNewSysctl("net.core.somaxconn", "1024").endSecurityContext()
                .editFirstContainer().editSecurityContext().withPrivileged(true).withAllowPrivilegeEscalation(true)
                    .withNewCapabilities().withAdd("NET_ADMIN").endCapabilities().endSecurityContext()
                    .addNewPort().withName("p").withContainerPort(80).withHostPort(80).endPort().endContainer()
                .addNewVolume().withName("host").withNewHostPath().withPath("/").endHostPath().endVolume()
                .build();
        assertThat(PodSecurityStandard.restrictedViolations(bad, Map.of("container.apparmor.security.beta.kubernetes.io/c", "unconfined")))
                .anyMatch(v -> v.contains("hostNetwork")).anyMatch(v -> v.contains("hostPID"))
                .anyMatch(v -> v.contains("runAsUser must not be 0")).anyMatch(v -> v.contains("Unconfined is not allowed"))
                .anyMatch(v -> v.contains("net.core.somaxconn")).anyMatch(v -> v.contains("privileged"))
                .anyMatch(v -> v.contains("allowPrivilegeEscalation")).anyMatch(v -> v.contains("NET_ADMIN"))
                .anyMatch(v -> v.contains("drop must include ALL")).anyMatch(v -> v.contains("hostPort"))
                .anyMatch(v -> v.contains("hostPath")).anyMatch(v -> v.contains("apparmor"));
    }

    @Test
    void runAsNonRootAndSeccompMayComeFromEitherLevelButMustBeSet() {
        PodSpec missing = compliant().withSecurityContext(null).build();
        assertThat(PodSecurityStandard.restrictedViolations(missing, Map.of()))
                .anyMatch(v -> v.contains("runAsNonRoot")).anyMatch(v -> v.contains("seccompProfile must be"));
    }
}
