package dev.sshtunnel.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.config.validation.CrdSchema;
import dev.sshtunnel.config.validation.ManifestValidator;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.RealCluster;
import dev.sshtunnel.testing.TunnelFixtures;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * What the real kube-apiserver (1.35, built from Go modules) says about crds/, deploy/, examples/ and
 * the invalid-manifest corpus, through the real kubectl — and that the offline `validate` gives the
 * same verdict as the server on every file.
 */
class RealApiServerIT {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ManifestValidator VALIDATOR = new ManifestValidator(CrdSchema.fromClasspath());
    private static Kubectl kubectl;

    @BeforeAll
    static void cluster() {
        RealCluster.namespace("apps");
        kubectl = new Kubectl(RealCluster.adminKubeconfig());
    }

    static Stream<Path> invalid() throws IOException {
        return Files.list(Path.of("src/test/resources/invalid-manifests")).filter(p -> p.toString().endsWith(".yaml")).sorted();
    }

    static Stream<Path> examples() throws IOException {
        return Files.list(Path.of("examples")).filter(p -> p.toString().endsWith(".yaml")).sorted();
    }

    @Test
    void crdIsAcceptedAndKubectlExplainPrintsItsDocs() {
        Kubectl.Result applied = kubectl.attempt(null, "apply", "-f", "crds/");
        assertThat(applied.exitCode()).as(applied.err()).isZero();
        assertThat(applied.out()).contains("customresourcedefinition.apiextensions.k8s.io/sshtunnels.sshtunnel.dev");
        assertThat(kubectl.run("explain", "sshtunnel.spec.forwards.target"))
                .contains("Where connections go: for Local resolved by the SSH server")
                .contains("host").contains("port");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidManifestIsRefusedByTheServerNamingTheFieldAsValidateDoes(Path manifest) throws IOException {
        String expectation = Files.readAllLines(manifest).get(0).substring("# expect: ".length());
        String field = expectation.substring(0, expectation.indexOf(": "));
        Kubectl.Result server = kubectl.attempt(Files.readString(manifest), "apply", "--dry-run=server", "-n", "apps", "-f", "-");
        assertThat(server.exitCode()).as("the API server refuses %s: %s", manifest.getFileName(), server.out()).isNotZero();
        assertThat(VALIDATOR.validate(YAML.readTree(manifest.toFile()))).as("validate refuses it too").isNotEmpty();
        if (field.equals("metadata.name")) {
            // kubectl itself refuses before the server is asked.
            assertThat(server.err()).contains("resource name may not be empty");
        } else if (field.equals("apiVersion")) {
            // The server has no such version to validate against: it names the missing mapping instead of a field.
            assertThat(server.err()).contains("no matches for kind \"SshTunnel\" in version \"sshtunnel.dev/v1\"");
        } else {
            assertThat(server.err()).as("the server names the field").contains(field);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void exampleIsAcceptedByTheServerAndByValidate(Path example) throws IOException {
        Kubectl.Result server = kubectl.attempt(Files.readString(example), "apply", "--dry-run=server", "-f", "-");
        assertThat(server.exitCode()).as(server.err()).isZero();
        List<String> problems = new ArrayList<>();
        for (var document : YAML.readerFor(com.fasterxml.jackson.databind.JsonNode.class)
                .<com.fasterxml.jackson.databind.JsonNode>readValues(example.toFile()).readAll()) {
            if ("SshTunnel".equals(document.path("kind").asText())) {
                VALIDATOR.validate(document).forEach(v -> problems.add(v.field() + ": " + v.message()));
            }
        }
        assertThat(problems).isEmpty();
    }

    static Stream<String> confinementAnnotations() {
        return Stream.of("container.apparmor.security.beta.kubernetes.io/forwarder", "seccomp.security.alpha.kubernetes.io/pod",
                "container.seccomp.security.alpha.kubernetes.io/forwarder", "io.kubernetes.cri-o.userns-mode",
                "run.oci.keep_original_groups", "io.katacontainers.config.hypervisor.kernel_params",
                "dev.gvisor.flag.network", "sshtunnel.dev/tunnel-generation");
    }

    /** kubectl apply refuses each annotation that would loosen the forwarder's confinement; validate agrees. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("confinementAnnotations")
    void podAnnotationsThatChangeConfinementAreRefusedAtApply(String key) throws IOException {
        String manifest = withPodAnnotation(key);
        Kubectl.Result server = kubectl.attempt(manifest, "apply", "--dry-run=server", "-n", "apps", "-f", "-");
        assertThat(server.exitCode()).as(server.out()).isNotZero();
        assertThat(server.err()).contains("spec.forwarder.podAnnotations").contains("must not set AppArmor, seccomp");
        assertThat(VALIDATOR.validate(YAML.readTree(manifest))).extracting(v -> v.field())
                .containsExactly("spec.forwarder.podAnnotations");
    }

    @Test
    void podAnnotationsThatDescribeThePodAreAccepted() throws IOException {
        String manifest = withPodAnnotation("prometheus.io/scrape");
        Kubectl.Result server = kubectl.attempt(manifest, "apply", "--dry-run=server", "-n", "apps", "-f", "-");
        assertThat(server.exitCode()).as(server.err()).isZero();
        assertThat(VALIDATOR.validate(YAML.readTree(manifest))).isEmpty();
    }

    /** The AppArmor manifest of invalid-manifests/ with {@code key: "true"} in place of its AppArmor annotation. */
    private static String withPodAnnotation(String key) throws IOException {
        SshTunnel tunnel = Serialization.unmarshal(
                Files.readString(Path.of("src/test/resources/invalid-manifests/pod-annotation-apparmor.yaml")), SshTunnel.class);
        Map<String, String> annotations = new LinkedHashMap<>(tunnel.getSpec().getForwarder().getPodAnnotations());
        assertThat(annotations.remove("container.apparmor.security.beta.kubernetes.io/forwarder")).isEqualTo("unconfined");
        annotations.put(key, "true");
        tunnel.getSpec().getForwarder().setPodAnnotations(annotations);
        return TunnelFixtures.yaml(tunnel);
    }

    /**
     * kubectl get stays one short line per tunnel however many forwards it has and however long its
     * message: the default columns hold counts and the reason, the message is only in -o wide.
     */
    @Test
    void kubectlGetStaysReadableWithTwentyForwardsAndALongMessage() throws IOException {
        StringBuilder forwards = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            forwards.append("    - {name: f").append(i).append(", type: Local, port: ").append(20000 + i)
                    .append(", target: {host: db-").append(i).append(".databases.svc.cluster.local, port: 5432}}\n");
        }
        String manifest = """
                apiVersion: sshtunnel.dev/v1alpha1
                kind: SshTunnel
                metadata: {name: wide, namespace: readable}
                spec:
                  ssh:
                    host: a-rather-long-bastion-host-name.eu-west-1.compute.internal.example.com
                    user: tunnel
                    privateKeySecretRef: {name: bastion-key, key: id_ed25519}
                  forwards:
                """ + forwards;
        kubectl.run("create", "namespace", "readable");
        assertThat(kubectl.attempt(manifest, "apply", "-f", "-").exitCode()).isZero();
        var tunnel = RealCluster.admin().resources(dev.sshtunnel.api.v1alpha1.SshTunnel.class).inNamespace("readable").withName("wide").get();
        var status = new dev.sshtunnel.api.v1alpha1.SshTunnelStatus();
        status.setReadyForwards("0/20");
        status.setActiveChannels(0);
        status.setConditions(List.of(new io.fabric8.kubernetes.api.model.ConditionBuilder().withType("Ready").withStatus("False")
                .withReason("Unreachable").withMessage("SSH session to tunnel@a-rather-long-bastion-host-name: " + "x".repeat(2_000))
                .withLastTransitionTime("2026-12-02T00:00:00Z").build()));
        tunnel.setStatus(status);
        RealCluster.admin().resources(dev.sshtunnel.api.v1alpha1.SshTunnel.class).inNamespace("readable").resource(tunnel).updateStatus();

        List<String> table = kubectl.run("get", "sshtunnels", "-n", "readable").lines().toList();
        assertThat(table).hasSize(2).allSatisfy(line -> assertThat(line.length()).as(line).isLessThan(140));
        assertThat(table.get(1)).contains("0/20");
        assertThat(kubectl.run("get", "sshtunnels", "-n", "readable", "-o", "wide")).contains("MESSAGE").contains("xxxxxxxx");
    }

    @Test
    void deployKustomizationIsAcceptedDryRunAndForReal() {
        Kubectl.Result dryRun = kubectl.attempt(null, "apply", "-k", "deploy/", "--server-side", "--force-conflicts",
                "--dry-run=server");
        assertThat(dryRun.exitCode()).as(dryRun.err()).isZero();
        Kubectl.Result applied = kubectl.attempt(null, "apply", "-k", "deploy/", "--server-side", "--force-conflicts");
        assertThat(applied.exitCode()).as(applied.err()).isZero();
        assertThat(applied.out()).contains("deployment.apps/sshtunnel-operator serverside-applied")
                .contains("clusterrole.rbac.authorization.k8s.io/sshtunnel-operator serverside-applied")
                .contains("networkpolicy.networking.k8s.io/sshtunnel-operator serverside-applied")
                .contains("validatingadmissionpolicy.admissionregistration.k8s.io/sshtunnel-operator-own-objects serverside-applied")
                .contains("validatingadmissionpolicybinding.admissionregistration.k8s.io/sshtunnel-operator-own-objects serverside-applied");
        // The restricted namespace admitted the operator's own pod template: the ReplicaSet created its pod.
        assertThat(kubectl.run("wait", "-n", "sshtunnel-system", "--for=create", "pod", "-l",
                "app.kubernetes.io/name=sshtunnel-operator", "--timeout=60s")).contains("condition met");
        // The guard rails' admission policy type-checks against the CRD's schema and ConfigMap params without a warning.
        assertThat(applied.out()).contains("validatingadmissionpolicy.admissionregistration.k8s.io/sshtunnel-operator-guard-rails");
        await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> assertThat(kubectl.run("get",
                "validatingadmissionpolicy", "sshtunnel-operator-guard-rails", "-o", "jsonpath={.status.observedGeneration}"))
                .isEqualTo("1"));
        assertThat(kubectl.run("get", "validatingadmissionpolicy", "sshtunnel-operator-guard-rails", "-o",
                "jsonpath={.status.typeChecking}")).isEqualTo("{}");
        // The other tests of this class apply shapes the guard rails refuse (GuardRailsIT tests the policy itself).
        kubectl.run("delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", "sshtunnel-operator-guard-rails");
        // The API server's admission plugin learns of the deletion through its informer, a moment later.
        String loadBalancer = """
                apiVersion: sshtunnel.dev/v1alpha1
                kind: SshTunnel
                metadata: {name: guard-rails-gone, namespace: apps}
                spec:
                  ssh: {host: bastion.example.com, user: tunnel, privateKeySecretRef: {name: k, key: id}, hostKey: {policy: AcceptNew}}
                  forwards: [{name: db, type: Local, port: 5432, target: {host: db.internal, port: 5432}}]
                  service: {type: LoadBalancer}
                """;
        await().atMost(java.time.Duration.ofSeconds(30)).until(
                () -> kubectl.attempt(loadBalancer, "apply", "--dry-run=server", "-f", "-").exitCode() == 0);
    }
}
