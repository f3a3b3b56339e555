package dev.sshtunnel.guardrails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.SandboxExtension;
import dev.sshtunnel.testing.SandboxProcess;

/**
 * The guard rails on a tenant's tunnel (issue 25) on the real control plane: deploy/guard-rails.yaml as shipped (its
 * ConfigMap with the operator's defaults, the ValidatingAdmissionPolicy and its binding) refuses each forbidden shape
 * at `kubectl apply` naming the rule and the setting; the packaged operator, as its ServiceAccount with that ConfigMap
 * as its environment (what envFrom gives it), holds back with PolicyDenied what was stored while the policy was absent
 * or wider, and the Secret label rule the API server cannot judge; widened settings accept and apply the same
 * manifests. The sandbox runs no pods: nothing here connects anywhere.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuardRailsIT {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path GUARD_RAILS = Path.of("deploy/guard-rails.yaml");
    private static final String CONFIG_MAP = "sshtunnel-operator-guard-rails";

    /** One sandbox for the class (a static field): the tests run in order against the same control plane. */
    @RegisterExtension
    static final SandboxExtension sandboxes = new SandboxExtension();
    private static SandboxProcess sandbox;
    private static Kubectl kubectl;
    private Process operator;

    /** A forbidden shape: the tunnel it is applied as, the spec lines it adds, and what the refusal must say. */
    record Shape(String name, String spec, String forwards, List<String> refusal) {
    }

    /** The forwards of a tunnel unless a shape brings its own. */
    private static final String LOCAL = "    - {name: db, type: Local, port: 5432, target: {host: db.internal, port: 5432}}\n";

    static final List<Shape> SHAPES = List.of(
            new Shape("lb", "  service: {type: LoadBalancer}\n", LOCAL,
                    List.of("spec.service.type LoadBalancer is not allowed by sshtunnel.guard-rails.service-types",
                            "SSHTUNNEL_GUARD_RAILS_SERVICE_TYPES: ClusterIP")),
            new Shape("dns", "  service: {annotations: {external-dns.alpha.kubernetes.io/hostname: db.example.com}}\n", LOCAL,
                    List.of("spec.service.annotations key \"external-dns.alpha.kubernetes.io/hostname\"",
                            "sshtunnel.guard-rails.service-annotation-prefixes", "no key allowed")),
            new Shape("pinned", "  forwarder: {nodeSelector: {kubernetes.io/hostname: node-1}}\n", LOCAL,
                    List.of("spec.forwarder.nodeSelector is set", "sshtunnel.guard-rails.tenant-scheduling",
                            "SSHTUNNEL_GUARD_RAILS_TENANT_SCHEDULING")),
            new Shape("tolerant", "  forwarder: {tolerations: [{operator: Exists}]}\n", LOCAL,
                    List.of("spec.forwarder.tolerations is set", "sshtunnel.guard-rails.tenant-scheduling")),
            new Shape("annotated", "  forwarder: {podAnnotations: {example.com/cost-centre: \"42\"}}\n", LOCAL,
                    List.of("spec.forwarder.podAnnotations key \"example.com/cost-centre\"",
                            "sshtunnel.guard-rails.pod-annotation-prefixes")),
            new Shape("greedy", "  forwarder: {resources: {limits: {cpu: \"3\", memory: 256Mi}}}\n", LOCAL,
                    List.of("spec.forwarder.resources.limits.cpu is above sshtunnel.guard-rails.max-cpu",
                            "SSHTUNNEL_GUARD_RAILS_MAX_CPU: 2")),
            new Shape("hungry", "  forwarder: {resources: {requests: {memory: 2Gi}}}\n", LOCAL,
                    List.of("spec.forwarder.resources.requests.memory is above sshtunnel.guard-rails.max-memory",
                            "SSHTUNNEL_GUARD_RAILS_MAX_MEMORY: 1Gi")),
            new Shape("loopback", "", "    - {name: hook, type: Remote, port: 8443, target: {host: 127.0.0.1, port: 8080}}\n",
                    List.of("spec.forwards[].target.host 127.0.0.1 of a Remote forward is inside sshtunnel.guard-rails.denied-targets",
                            "SSHTUNNEL_GUARD_RAILS_DENIED_TARGETS")),
            new Shape("imds", "", "    - {name: hook, type: Remote, port: 8443, target: {host: \"fd00:ec2::254\", port: 80}}\n",
                    List.of("spec.forwards[].target.host fd00:ec2::254 of a Remote forward is inside")),
            new Shape("mapped", "", "    - {name: hook, type: Remote, port: 8443, target: {host: \"::ffff:127.0.0.1\", port: 80}}\n",
                    List.of("spec.forwards[].target.host ::ffff:127.0.0.1 of a Remote forward is an address",
                            "SSHTUNNEL_GUARD_RAILS_DENIED_TARGETS", "IPv4-mapped")),
            new Shape("anyaddr", "", "    - {name: hook, type: Remote, port: 8443, target: {host: 0.0.0.0, port: 80}}\n",
                    List.of("spec.forwards[].target.host 0.0.0.0 of a Remote forward is an address", "unspecified")),
            new Shape("octal", "", "    - {name: hook, type: Remote, port: 8443, target: {host: 0177.0.0.1, port: 80}}\n",
                    List.of("spec.forwards[].target.host 0177.0.0.1 of a Remote forward is an address", "canonical")));

    /** Every rule widened: the single-team behaviour of before the guard rails. */
    static final Map<String, String> WIDE = Map.of(
            "SSHTUNNEL_GUARD_RAILS_SERVICE_TYPES", "ClusterIP,NodePort,LoadBalancer",
            "SSHTUNNEL_GUARD_RAILS_SERVICE_ANNOTATION_PREFIXES", "*",
            "SSHTUNNEL_GUARD_RAILS_POD_ANNOTATION_PREFIXES", "*",
            "SSHTUNNEL_GUARD_RAILS_TENANT_SCHEDULING", "true",
            "SSHTUNNEL_GUARD_RAILS_MAX_CPU", "4",
            "SSHTUNNEL_GUARD_RAILS_MAX_MEMORY", "4Gi",
            "SSHTUNNEL_GUARD_RAILS_DENIED_TARGETS", "none");

    @BeforeAll
    static void cluster() throws Exception {
        sandbox = sandboxes.start("sandbox", "--no-operator", "--no-pods");
        kubectl = sandbox.kubectl();
        kubectl.run("create", "secret", "generic", "bastion-key", "--from-literal=id_ed25519=not-a-key-nothing-connects");
        // Stored before the policy existed (an upgrade): kept across the tests.
        Kubectl.Result legacy = kubectl.attempt(tunnel(new Shape("legacy", "  service: {type: LoadBalancer}\n", LOCAL, List.of())),
                "apply", "-f", "-");
        assertThat(legacy.exitCode()).as(legacy.err()).isZero();
        kubectl.run("label", "sshtunnel", "legacy", "kept=true");
        kubectl.run("apply", "-f", GUARD_RAILS.toString());
        awaitPolicy(true);
    }

    @AfterEach
    void cleanUp() throws Exception {
        // While the operator still runs: it removes the finalizer of each tunnel it has seen.
        kubectl.run("delete", "sshtunnels", "-l", "!kept", "--timeout=90s");
        if (operator != null) {
            operator.destroy();
            operator.waitFor(30, TimeUnit.SECONDS);
        }
        kubectl.attempt(null, "label", "secret", "bastion-key", "sshtunnel.dev/usable-");
        // Back to the file as shipped: client-side apply restores what a test patched or deleted.
        kubectl.run("apply", "-f", GUARD_RAILS.toString());
        awaitPolicy(true);
    }

    @Test
    @Order(1)
    void eachRuleIsRefusedAtApplyNamingTheRuleAndTheSetting() throws IOException {
        for (Shape shape : SHAPES) {
            Kubectl.Result applied = kubectl.attempt(tunnel(shape), "apply", "-f", "-");
            assertThat(applied.exitCode()).as("%s is refused: %s", shape.name(), applied.out()).isNotZero();
            assertThat(applied.err()).as(shape.name())
                    .contains("ValidatingAdmissionPolicy '" + CONFIG_MAP + "'").contains(shape.refusal());
            assertThat(kubectl.attempt(null, "get", "sshtunnel", shape.name()).exitCode()).as("nothing stored").isNotZero();
        }
        Kubectl.Result plain = kubectl.attempt(tunnel(new Shape("plain", "", LOCAL, List.of())), "apply", "-f", "-");
        assertThat(plain.exitCode()).as("a tunnel within the defaults is accepted: %s", plain.err()).isZero();
        kubectl.run("create", "namespace", "apps");
        try (var examples = java.nio.file.Files.list(Path.of("examples"))) {
            for (Path example : examples.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                Kubectl.Result applied = kubectl.attempt(null, "apply", "--dry-run=server", "-f", example.toString());
                assertThat(applied.exitCode()).as("%s keeps the default guard rails: %s", example, applied.err()).isZero();
            }
        }
    }

    @Test
    @Order(2)
    void inlineSshIsRefusedAtApplyWhenDenied() {
        patchGuardRails(Map.of("SSHTUNNEL_GUARD_RAILS_INLINE_SSH", "Denied"));
        Shape inline = new Shape("inline", "", LOCAL, List.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> kubectl.attempt(tunnel(inline), "apply", "--dry-run=server", "-f", "-")
                .exitCode() != 0);
        Kubectl.Result applied = kubectl.attempt(tunnel(inline), "apply", "-f", "-");
        assertThat(applied.err()).contains("spec.ssh is set, but sshtunnel.guard-rails.inline-ssh (SSHTUNNEL_GUARD_RAILS_INLINE_SSH) "
                + "is Denied", "spec.bastionRef");
    }

    @Test
    @Order(5)
    void withoutItsParamsThePolicyRefusesEveryTunnel() {
        kubectl.run("delete", "configmap", "-n", "sshtunnel-system", CONFIG_MAP);
        Shape plain = new Shape("orphan", "", LOCAL, List.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> kubectl.attempt(tunnel(plain), "apply", "--dry-run=server", "-f", "-")
                .err().contains("no params found for policy binding with `Deny` parameterNotFoundAction"));
    }

    /** The settings widened restore today's behaviour: the same manifests are accepted and the operator applies them. */
    @Test
    @Order(6)
    void widenedSettingsAcceptAndApplyTheSameManifests() throws Exception {
        patchGuardRails(WIDE);
        awaitPolicy(false);
        for (Shape shape : SHAPES) {
            Kubectl.Result applied = kubectl.attempt(tunnel(shape), "apply", "-f", "-");
            assertThat(applied.exitCode()).as("%s is accepted: %s", shape.name(), applied.err()).isZero();
        }
        operator = startOperator("widened", WIDE);
        for (Shape shape : SHAPES) {
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(specApplied(shape.name()))
                    .as(shape.name()).isEqualTo("Applied"));
        }
        assertThat(kubectl.run("get", "service", "lb", "-o", "jsonpath={.spec.type}")).isEqualTo("LoadBalancer");
        assertThat(kubectl.run("get", "service", "dns", "-o", "jsonpath={.metadata.annotations}"))
                .contains("external-dns.alpha.kubernetes.io/hostname");
        assertThat(kubectl.run("get", "deployment", "pinned", "-o", "jsonpath={.spec.template.spec.nodeSelector}"))
                .contains("node-1");
        assertThat(kubectl.run("get", "deployment", "tolerant", "-o", "jsonpath={.spec.template.spec.tolerations}"))
                .contains("Exists");
        assertThat(kubectl.run("get", "deployment", "annotated", "-o", "jsonpath={.spec.template.metadata.annotations}"))
                .contains("example.com/cost-centre");
        assertThat(kubectl.run("get", "deployment", "greedy", "-o", "jsonpath={.spec.template.spec.containers[0].resources.limits.cpu}"))
                .isEqualTo("3");
        assertThat(kubectl.run("get", "deployment", "loopback", "-o", "name")).isEqualTo("deployment.apps/loopback\n");
    }

    /**
     * Tunnels stored before the policy existed (legacy, from before the tests) or while its params were wider than the
     * operator's settings: the operator, with the shipped ConfigMap as its environment, holds them back with
     * PolicyDenied and creates nothing for them; its status writes and a label on such a tunnel pass the policy, which
     * judges written specs only. (Not by deleting the binding: a re-created binding kept evaluating stale params on
     * kube-apiserver 1.35, the kubernetes/kubernetes#133827 family.)
     */
    @Test
    @Order(3)
    void theOperatorHoldsBackWhatWasStoredPastThePolicy() throws Exception {
        patchGuardRails(Map.of("SSHTUNNEL_GUARD_RAILS_TENANT_SCHEDULING", "true"));
        Shape tolerant = SHAPES.get(3);
        await().atMost(Duration.ofSeconds(30)).until(() -> kubectl.attempt(tunnel(tolerant), "apply", "-f", "-").exitCode() == 0);
        kubectl.run("apply", "-f", GUARD_RAILS.toString());
        // (A new name: the stored tunnel's unchanged spec is not judged again.)
        Shape probe = new Shape("probe", tolerant.spec(), LOCAL, List.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> kubectl.attempt(tunnel(probe), "apply", "--dry-run=server", "-f", "-")
                .exitCode() != 0);

        operator = startOperator("secure", shippedGuardRails());
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            assertThat(specApplied("legacy")).isEqualTo("PolicyDenied");
            assertThat(specApplied("tolerant")).isEqualTo("PolicyDenied");
        });
        assertThat(condition("legacy", "SpecApplied", "message")).contains("spec.service.type LoadBalancer is not allowed by "
                + "sshtunnel.guard-rails.service-types (SSHTUNNEL_GUARD_RAILS_SERVICE_TYPES) [ClusterIP]");
        assertThat(condition("tolerant", "SpecApplied", "message")).contains("spec.forwarder.tolerations is set",
                "sshtunnel.guard-rails.tenant-scheduling");
        assertThat(condition("legacy", "Ready", "reason")).isEqualTo("PolicyDenied");
        assertThat(kubectl.run("get", "services,deployments,configmaps", "-l", "app.kubernetes.io/instance in (legacy,tolerant)",
                "-o", "name")).as("nothing is made for a held-back tunnel").isBlank();
        assertThat(kubectl.attempt(null, "label", "sshtunnel", "legacy", "team=a").exitCode())
                .as("metadata writes on a stored tunnel pass the policy").isZero();
    }

    /** The rule the API server cannot judge: an inline tunnel's Secret must carry sshtunnel.dev/usable: "true". */
    @Test
    @Order(4)
    void inlineTunnelsUseOnlyLabelledSecretsWhenAsked() throws Exception {
        Map<String, String> env = new LinkedHashMap<>(shippedGuardRails());
        env.put("SSHTUNNEL_GUARD_RAILS_INLINE_SECRETS_NEED_LABEL", "true");
        operator = startOperator("labels", env);
        Kubectl.Result applied = kubectl.attempt(tunnel(new Shape("plain", "", LOCAL, List.of())), "apply", "-f", "-");
        assertThat(applied.exitCode()).as(applied.err()).isZero();
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(specApplied("plain")).isEqualTo("PolicyDenied"));
        assertThat(condition("plain", "SpecApplied", "message")).contains("Secret default/bastion-key (referenced by "
                + "spec.ssh.privateKeySecretRef) is not labelled sshtunnel.dev/usable: \"true\"",
                "sshtunnel.guard-rails.inline-secrets-need-label");
        assertThat(kubectl.attempt(null, "get", "deployment", "plain").exitCode()).isNotZero();

        kubectl.run("label", "secret", "bastion-key", "sshtunnel.dev/usable=true");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(specApplied("plain")).isEqualTo("Applied"));
        assertThat(kubectl.run("get", "deployment", "plain", "-o", "name")).isEqualTo("deployment.apps/plain\n");
    }

    /** The packaged operator as its ServiceAccount, with these guard rails as its environment. */
    private Process startOperator(String name, Map<String, String> env) throws IOException {
        return sandbox.startOperator(sandboxes.jar(), sandboxes.log("operator-" + name), env,
                "-Dquarkus.profile=sandbox");
    }

    /** The data of deploy/guard-rails.yaml's ConfigMap: what envFrom gives the operator. */
    private static Map<String, String> shippedGuardRails() throws IOException {
        Map<String, String> data = new LinkedHashMap<>();
        for (JsonNode document : YAML.readerFor(JsonNode.class).<JsonNode>readValues(GUARD_RAILS.toFile()).readAll()) {
            if ("ConfigMap".equals(document.path("kind").asText())) {
                document.get("data").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
            }
        }
        assertThat(data).isNotEmpty();
        return data;
    }

    private static void patchGuardRails(Map<String, String> data) {
        try {
            kubectl.run("patch", "configmap", "-n", "sshtunnel-system", CONFIG_MAP, "--type", "merge", "-p",
                    new ObjectMapper().writeValueAsString(Map.of("data", data)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the policy (with its params as they now are) refuses a LoadBalancer tunnel, or accepts it. */
    private static void awaitPolicy(boolean refusing) {
        String probe = tunnel(new Shape("probe", "  service: {type: LoadBalancer}\n", LOCAL, List.of()));
        await().atMost(Duration.ofSeconds(30)).until(
                () -> (kubectl.attempt(probe, "apply", "--dry-run=server", "-f", "-").exitCode() != 0) == refusing);
    }

    private static String specApplied(String tunnel) {
        return condition(tunnel, "SpecApplied", "reason");
    }

    private static String condition(String tunnel, String type, String field) {
        return kubectl.run("get", "sshtunnel", tunnel, "-o",
                "jsonpath={.status.conditions[?(@.type==\"" + type + "\")]." + field + "}");
    }

    /** An inline tunnel to a closed loopback port (no pod runs here), with the shape's spec lines and forwards. */
    private static String tunnel(Shape shape) {
        return """
                apiVersion: sshtunnel.dev/v1alpha1
                kind: SshTunnel
                metadata: {name: %s}
                spec:
                  ssh:
                    host: 127.0.0.1
                    port: %d
                    user: tunnel
                    privateKeySecretRef: {name: bastion-key, key: id_ed25519}
                    hostKey: {policy: AcceptNew}
                  forwards:
                %s%s""".formatted(shape.name(), CLOSED_PORT, shape.forwards(), shape.spec());
    }

    private static final int CLOSED_PORT = Ports.free();
}
