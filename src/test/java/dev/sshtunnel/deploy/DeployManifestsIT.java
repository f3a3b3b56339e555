package dev.sshtunnel.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;

/** `kubectl kustomize deploy/` renders what `kubectl apply -k deploy/` installs; checked with the real kubectl. */
class DeployManifestsIT {

    private static List<HasMetadata> rendered;

    @BeforeAll
    static void render() throws IOException, InterruptedException {
        Process kubectl = new ProcessBuilder("kubectl", "kustomize", "deploy/").redirectErrorStream(true).start();
        String output = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(kubectl.exitValue()).as(output).isZero();
        // A multi-document stream unmarshals to a list of typed resources.
        rendered = Serialization.unmarshal(new ByteArrayInputStream(output.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void rendersEveryPieceIntoTheOperatorNamespace() {
        assertThat(rendered).extracting(HasMetadata::getKind).containsExactlyInAnyOrder(
                "Namespace", "CustomResourceDefinition", "CustomResourceDefinition", "CustomResourceDefinition",
                "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
                "Role", "RoleBinding", "Role", "RoleBinding", "Deployment", "Service", "ConfigMap", "NetworkPolicy",
                "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
                "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
        // deny-api-server reads the API server's EndpointSlices where they are, and nothing else there.
        String apiServerAddresses = "sshtunnel-operator-api-server-addresses";
        rendered.stream().filter(r -> List.of("ServiceAccount", "Role", "RoleBinding", "Deployment", "Service", "ConfigMap",
                "NetworkPolicy")
                .contains(r.getKind()))
                .forEach(r -> assertThat(r.getMetadata().getNamespace()).as(r.getKind() + " " + r.getMetadata().getName())
                        .isEqualTo(r.getMetadata().getName().equals(apiServerAddresses) ? "default" : "sshtunnel-system"));
    }

    /** The cluster-scoped policy carries no namespace (kustomize would stamp one on a kind it does not know). */
    @Test
    void admissionPolicyIsClusterScopedAndNamesTheOperatorsServiceAccount() {
        List<HasMetadata> policies = rendered.stream().filter(r -> r.getKind().startsWith("ValidatingAdmissionPolicy")).toList();
        assertThat(policies).hasSize(4).allSatisfy(p -> assertThat(p.getMetadata().getNamespace()).isNull());
        var policy = (io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy) policies.stream()
                .filter(p -> p.getKind().equals("ValidatingAdmissionPolicy")
                        && p.getMetadata().getName().equals("sshtunnel-operator-own-objects")).findFirst().orElseThrow();
        assertThat(policy.getSpec().getMatchConditions().get(0).getExpression()).contains("'" + dev.sshtunnel.testing.AuditLog.OPERATOR_USER + "'");
        assertThat(policy.getSpec().getFailurePolicy()).isEqualTo("Fail");
    }

    /**
     * The operator pod's NetworkPolicy opens what the operator serves and calls, by the same names and
     * numbers the code uses: its Deployment's pod labels and http port, the forwarders' labels and status port.
     */
    @Test
    void operatorNetworkPolicyMatchesWhatTheOperatorServesAndCalls() {
        Deployment operator = (Deployment) rendered.stream().filter(r -> r instanceof Deployment).findFirst().orElseThrow();
        var policy = (io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy) rendered.stream()
                .filter(r -> r.getKind().equals("NetworkPolicy")).findFirst().orElseThrow();
        var spec = policy.getSpec();
        assertThat(spec.getPodSelector().getMatchLabels()).isEqualTo(operator.getSpec().getSelector().getMatchLabels());
        assertThat(spec.getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(spec.getIngress()).singleElement().satisfies(rule -> {
            assertThat(rule.getPorts()).singleElement().satisfies(port -> assertThat(port.getPort().getIntVal())
                    .isEqualTo(operator.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().get(0).getContainerPort()));
            assertThat(rule.getFrom()).singleElement().satisfies(peer -> assertThat(peer.getNamespaceSelector().getMatchLabels())
                    .containsEntry("kubernetes.io/metadata.name", "monitoring"));
        });
        assertThat(spec.getEgress()).hasSize(3);
        assertThat(spec.getEgress().get(0).getPorts()).extracting(p -> p.getPort().getIntVal()).containsOnly(53);
        assertThat(spec.getEgress().get(1).getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(443, 6443);
        var status = spec.getEgress().get(2);
        assertThat(status.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal())
                .isEqualTo(dev.sshtunnel.api.forwarder.ForwarderStatus.PORT));
        assertThat(status.getTo()).singleElement().satisfies(peer -> {
            assertThat(peer.getNamespaceSelector().getMatchLabels()).as("any namespace").isNullOrEmpty();
            assertThat(peer.getPodSelector().getMatchLabels()).containsExactly(
                    java.util.Map.entry(dev.sshtunnel.operator.dependent.ForwarderLabels.NAME, dev.sshtunnel.operator.dependent.ForwarderLabels.FORWARDER));
        });
    }

    @Test
    void installsTheCommittedCrds() throws IOException {
        for (String name : List.of("sshtunnels", "sshbastions", "clustersshbastions")) {
            CustomResourceDefinition committed = Serialization.unmarshal(
                    Files.readString(Path.of("crds/" + name + ".sshtunnel.dev-v1.yml")), CustomResourceDefinition.class);
            CustomResourceDefinition installed = (CustomResourceDefinition) rendered.stream()
                    .filter(r -> r instanceof CustomResourceDefinition && r.getMetadata().getName().equals(name + ".sshtunnel.dev"))
                    .findFirst().orElseThrow();
            assertThat(installed.getSpec()).as(name).isEqualTo(committed.getSpec());
        }
    }

    /** The guard rails: the operator's env and the admission policy's params are the one ConfigMap. */
    @Test
    void operatorAndAdmissionPolicyReadTheSameGuardRails() {
        Deployment operator = (Deployment) rendered.stream().filter(r -> r instanceof Deployment).findFirst().orElseThrow();
        var envFrom = operator.getSpec().getTemplate().getSpec().getContainers().get(0).getEnvFrom();
        assertThat(envFrom).extracting(e -> e.getConfigMapRef().getName()).containsExactly("sshtunnel-operator-guard-rails");
        var binding = (io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding) rendered.stream()
                .filter(r -> r.getKind().equals("ValidatingAdmissionPolicyBinding")
                        && r.getMetadata().getName().equals("sshtunnel-operator-guard-rails")).findFirst().orElseThrow();
        assertThat(binding.getSpec().getParamRef().getName()).isEqualTo("sshtunnel-operator-guard-rails");
        assertThat(binding.getSpec().getParamRef().getNamespace()).isEqualTo("sshtunnel-system");
        assertThat(binding.getSpec().getParamRef().getParameterNotFoundAction()).as("no params: fail closed").isEqualTo("Deny");
        assertThat(binding.getSpec().getValidationActions()).containsExactly("Deny");
        var policy = (io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy) rendered.stream()
                .filter(r -> r.getKind().equals("ValidatingAdmissionPolicy")
                        && r.getMetadata().getName().equals("sshtunnel-operator-guard-rails")).findFirst().orElseThrow();
        assertThat(policy.getSpec().getFailurePolicy()).isEqualTo("Fail");
        assertThat(binding.getSpec().getPolicyName()).isEqualTo(policy.getMetadata().getName());
        assertThat(policy.getSpec().getMatchConstraints().getResourceRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getResources()).as("not sshtunnels/status: the operator's status writes pass").containsExactly("sshtunnels");
            assertThat(rule.getOperations()).containsExactlyInAnyOrder("CREATE", "UPDATE");
        });
    }

    @Test
    void operatorPodMeetsTheRestrictedPodSecurityStandard() {
        Deployment operator = (Deployment) rendered.stream().filter(r -> r instanceof Deployment).findFirst().orElseThrow();
        PodSpec pod = operator.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getServiceAccountName()).isEqualTo("sshtunnel-operator");
        for (Container container : pod.getContainers()) {
            assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
            assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
            assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
            assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
            assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
            assertThat(container.getEnv()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("SSHTUNNEL_FORWARDER_IMAGE"));
            assertThat(container.getEnv().stream().filter(e -> e.getName().equals("SSHTUNNEL_FORWARDER_IMAGE"))
                    .findFirst().orElseThrow().getValue()).as("forwarders run the operator's own image")
                    .isEqualTo(container.getImage());
        }
    }
}
