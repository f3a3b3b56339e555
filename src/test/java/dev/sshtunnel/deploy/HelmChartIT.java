package dev.sshtunnel.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.sshtunnel.testing.EcosystemTools;

/**
 * The Helm chart, checked with the real helm (built from helm.sh/helm/v3 by hack/tools.sh): it
 * lints, ships the same CRD, alert rules and dashboard as the repository, and renders for its
 * defaults the same RBAC, Deployment and Service as `kubectl kustomize deploy/` — one truth.
 */
class HelmChartIT {

    static final Path CHART = Path.of("deploy/helm/sshtunnel-operator");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void lints() {
        assertThat(EcosystemTools.helm(null, "lint", "--strict", CHART.toString())).contains("0 chart(s) failed");
    }

    /** Helm installs crds/ of the chart; it must be the generated CRD, byte for byte, and so must the monitoring files. */
    @Test
    void shipsTheRepositoryCrdRulesAndDashboard() throws IOException {
        assertThat(Files.readString(CHART.resolve("crds/sshtunnels.sshtunnel.dev-v1.yml")))
                .as("copy crds/sshtunnels.sshtunnel.dev-v1.yml into the chart's crds/")
                .isEqualTo(Files.readString(Path.of("crds/sshtunnels.sshtunnel.dev-v1.yml")));
        for (String file : List.of("sshtunnel.rules.yaml", "sshtunnel-dashboard.json")) {
            assertThat(Files.readString(CHART.resolve("files").resolve(file))).as("copy deploy/monitoring/" + file + " into the chart's files/")
                    .isEqualTo(Files.readString(Path.of("deploy/monitoring").resolve(file)));
        }
    }

    @Test
    void defaultsRenderWhatDeployInstalls() throws Exception {
        Map<String, JsonNode> chart = byKindAndName(EcosystemTools.helm(null, "template", "sshtunnel-operator", CHART.toString(),
                "--namespace", "sshtunnel-system", "--kube-version", "1.35.4"));
        Map<String, JsonNode> deploy = byKindAndName(run("kubectl", "kustomize", "deploy/"));
        List<String> compared = List.of("ServiceAccount/sshtunnel-operator", "ClusterRole/sshtunnel-operator",
                "ClusterRoleBinding/sshtunnel-operator", "Role/sshtunnel-operator-leader-election",
                "RoleBinding/sshtunnel-operator-leader-election", "Role/sshtunnel-operator-api-server-addresses",
                "RoleBinding/sshtunnel-operator-api-server-addresses", "Deployment/sshtunnel-operator", "Service/sshtunnel-operator",
                "ConfigMap/sshtunnel-operator-guard-rails", "ValidatingAdmissionPolicy/sshtunnel-operator-guard-rails",
                "ValidatingAdmissionPolicyBinding/sshtunnel-operator-guard-rails",
                "NetworkPolicy/sshtunnel-operator", "ValidatingAdmissionPolicy/sshtunnel-operator-own-objects",
                "ValidatingAdmissionPolicyBinding/sshtunnel-operator-own-objects");
        assertThat(chart.keySet()).containsExactlyInAnyOrderElementsOf(compared);
        for (String key : compared) {
            assertThat(comparable(chart.get(key))).as(key + ": chart vs deploy/").isEqualTo(comparable(deploy.get(key)));
        }
    }

    /**
     * The guard rails have one source: the ConfigMap the chart renders for its defaults (the same as deploy/'s, above),
     * read as the operator reads its envFrom, gives exactly the settings OperatorConfig defaults to.
     */
    @Test
    void guardRailDefaultsAreTheOperators() throws Exception {
        Map<String, JsonNode> chart = byKindAndName(EcosystemTools.helm(null, "template", "sshtunnel-operator", CHART.toString(),
                "--namespace", "sshtunnel-system", "--kube-version", "1.35.4"));
        Map<String, String> env = new java.util.TreeMap<>();
        chart.get("ConfigMap/sshtunnel-operator-guard-rails").get("data").fields()
                .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        var fromConfigMap = guardRails(env);
        var defaults = guardRails(Map.of());
        for (var method : dev.sshtunnel.operator.OperatorConfig.GuardRails.class.getDeclaredMethods()) {
            String setting = "SSHTUNNEL_GUARD_RAILS_" + method.getName().replaceAll("([A-Z])", "_$1").toUpperCase(java.util.Locale.ROOT);
            assertThat(env).as("the ConfigMap sets every guard rail").containsKey(setting);
            assertThat(method.invoke(fromConfigMap)).as(setting).isEqualTo(method.invoke(defaults));
        }
        assertThat(env).hasSize(dev.sshtunnel.operator.OperatorConfig.GuardRails.class.getDeclaredMethods().length);
    }

    /** The guard rails as the operator reads them with these environment variables and no other configuration. */
    private static dev.sshtunnel.operator.OperatorConfig.GuardRails guardRails(Map<String, String> env) {
        return new io.smallrye.config.SmallRyeConfigBuilder()
                .withMapping(dev.sshtunnel.operator.OperatorConfig.class)
                .withConverter(java.time.Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter())
                .withSources(new io.smallrye.config.EnvConfigSource(env, 300))
                .build().getConfigMapping(dev.sshtunnel.operator.OperatorConfig.class).guardRails();
    }

    /** Values other than the defaults reach the ConfigMap (the policy's params and the operator's env) and roll the operator. */
    @Test
    void guardRailValuesRenderIntoTheOneConfigMap() throws Exception {
        Map<String, JsonNode> all = byKindAndName(EcosystemTools.helm(null, "template", "tunnels", CHART.toString(),
                "--namespace", "ops", "--kube-version", "1.35.4",
                "--set", "guardRails.serviceTypes={ClusterIP,LoadBalancer}",
                "--set", "guardRails.serviceAnnotationPrefixes={external-dns.alpha.kubernetes.io/,example.com/}",
                "--set", "guardRails.podAnnotationPrefixes={*}", "--set", "guardRails.tenantScheduling=true",
                "--set", "guardRails.maxCpu=500m,guardRails.maxMemory=256Mi", "--set", "guardRails.inlineSsh=Denied",
                "--set", "guardRails.inlineSecretsNeedLabel=true", "--set", "guardRails.deniedTargets=null",
                "--set", "guardRails.allowedTargets={10.0.0.0/8}"));
        JsonNode data = all.get("ConfigMap/tunnels-guard-rails").get("data");
        assertThat(data.get("SSHTUNNEL_GUARD_RAILS_SERVICE_TYPES").asText()).isEqualTo("ClusterIP,LoadBalancer");
        assertThat(data.get("SSHTUNNEL_GUARD_RAILS_SERVICE_ANNOTATION_PREFIXES").asText())
                .isEqualTo("external-dns.alpha.kubernetes.io/,example.com/");
        assertThat(data.get("SSHTUNNEL_GUARD_RAILS_POD_ANNOTATION_PREFIXES").asText()).isEqualTo("*");
        assertThat(data.get("SSHTUNNEL_GUARD_RAILS_TENANT_SCHEDULING").asText()).isEqualTo("true");
        assertThat(data.get("SSHTUNNEL_GUARD_RAILS_MAX_CPU").asText()).isEqualTo("500m");
        assertThat(data.get("SSHTUNNEL_GUARD_RAILS_MAX_MEMORY").asText()).isEqualTo("256Mi");
        assertThat(data.get("SSHTUNNEL_GUARD_RAILS_INLINE_SSH").asText()).isEqualTo("Denied");
        assertThat(data.get("SSHTUNNEL_GUARD_RAILS_INLINE_SECRETS_NEED_LABEL").asText()).isEqualTo("true");
        assertThat(data.get("SSHTUNNEL_GUARD_RAILS_DENIED_TARGETS").asText()).as("an empty deny list is said, not left to the default")
                .isEqualTo("none");
        assertThat(data.get("SSHTUNNEL_GUARD_RAILS_ALLOWED_TARGETS").asText()).isEqualTo("10.0.0.0/8");
        var rails = guardRails(toMap(data));
        assertThat(rails.serviceTypes()).containsExactly("ClusterIP", "LoadBalancer");
        assertThat(rails.inlineSsh()).isEqualTo(dev.sshtunnel.operator.OperatorConfig.GuardRails.InlineSsh.Denied);
        assertThat(rails.deniedTargets()).containsExactly("none");

        JsonNode deployment = all.get("Deployment/tunnels");
        assertThat(deployment.at("/spec/template/spec/containers/0/envFrom/0/configMapRef/name").asText())
                .as("the operator reads the same ConfigMap").isEqualTo("tunnels-guard-rails");
        assertThat(all.get("ValidatingAdmissionPolicyBinding/tunnels-guard-rails").at("/spec/paramRef/name").asText())
                .as("the policy's params are the same ConfigMap").isEqualTo("tunnels-guard-rails");
        assertThat(all.get("ValidatingAdmissionPolicyBinding/tunnels-guard-rails").at("/spec/paramRef/namespace").asText())
                .isEqualTo("ops");
        assertThat(all.get("ValidatingAdmissionPolicyBinding/tunnels-guard-rails").at("/spec/policyName").asText())
                .isEqualTo("tunnels-guard-rails");
        Map<String, JsonNode> defaults = byKindAndName(EcosystemTools.helm(null, "template", "tunnels", CHART.toString(),
                "--namespace", "ops", "--kube-version", "1.35.4"));
        assertThat(deployment.at("/spec/template/metadata/annotations/checksum~1guard-rails").asText())
                .as("changed guard rails roll the operator, which reads them at start").isNotBlank()
                .isNotEqualTo(defaults.get("Deployment/tunnels").at("/spec/template/metadata/annotations/checksum~1guard-rails").asText());

        Map<String, JsonNode> withoutPolicy = byKindAndName(EcosystemTools.helm(null, "template", "tunnels", CHART.toString(),
                "--namespace", "ops", "--kube-version", "1.35.4", "--set", "guardRails.admissionPolicy=false"));
        assertThat(withoutPolicy).containsKey("ConfigMap/tunnels-guard-rails")
                .doesNotContainKeys("ValidatingAdmissionPolicy/tunnels-guard-rails", "ValidatingAdmissionPolicyBinding/tunnels-guard-rails");
    }

    private static Map<String, String> toMap(JsonNode data) {
        Map<String, String> map = new java.util.TreeMap<>();
        data.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    @Test
    void optionalPiecesRenderWhenAskedFor() throws Exception {
        Map<String, JsonNode> all = byKindAndName(EcosystemTools.helm(null, "template", "tunnels", CHART.toString(),
                "--namespace", "ops", "--kube-version", "1.35.4", "--set", "replicas=2",
                "--set", "metrics.serviceMonitor.enabled=true,metrics.podMonitor.enabled=true",
                "--set", "metrics.prometheusRule.enabled=true,metrics.dashboard.enabled=true",
                "--set", "forwarder.allowedImages={registry.internal/sshtunnel/*}"));
        assertThat(all).containsKeys("PodDisruptionBudget/tunnels", "ServiceMonitor/tunnels", "PodMonitor/sshtunnel-forwarder",
                "PrometheusRule/tunnels", "ConfigMap/sshtunnel-dashboard");
        assertThat(all.get("PodDisruptionBudget/tunnels").at("/spec/maxUnavailable").asInt()).isEqualTo(1);
        assertThat(all.get("PodDisruptionBudget/tunnels").at("/spec/unhealthyPodEvictionPolicy").asText()).isEqualTo("AlwaysAllow");
        JsonNode rulesFile = YAML.readTree(Path.of("deploy/monitoring/sshtunnel.rules.yaml").toFile());
        assertThat(all.get("PrometheusRule/tunnels").at("/spec/groups")).isEqualTo(rulesFile.get("groups"));
        assertThat(all.get("ConfigMap/sshtunnel-dashboard").at("/data/sshtunnel-dashboard.json").asText())
                .isEqualTo(Files.readString(Path.of("deploy/monitoring/sshtunnel-dashboard.json")).stripTrailing());
        Map<String, String> env = new java.util.LinkedHashMap<>();
        all.get("Deployment/tunnels").at("/spec/template/spec/containers/0/env")
                .forEach(e -> env.put(e.get("name").asText(), e.path("value").asText()));
        assertThat(env).containsEntry("SSHTUNNEL_FORWARDER_ALLOWED_IMAGES", "registry.internal/sshtunnel/*")
                .as("the PodMonitor's scraper is admitted by the tunnels' NetworkPolicies")
                .containsEntry("SSHTUNNEL_NETWORK_POLICY_METRICS_NAMESPACES", "monitoring");
        assertThat(all.get("PodMonitor/sshtunnel-forwarder").at("/spec/podMetricsEndpoints/0/honorLabels").asBoolean(true))
                .as("a pod's own namespace label never wins over the target's").isFalse();
        assertThat(all.get("Deployment/tunnels").at("/spec/replicas").asInt()).isEqualTo(2);

        Map<String, JsonNode> single = byKindAndName(EcosystemTools.helm(null, "template", "tunnels", CHART.toString(),
                "--namespace", "ops", "--kube-version", "1.35.4"));
        assertThat(single).doesNotContainKey("PodDisruptionBudget/tunnels");
    }

    /**
     * watchNamespaces: the operator's rules become a Role and RoleBinding per watched namespace (the same rules
     * as deploy/cluster-role.yaml) and no ClusterRole; the API server's CIDRs narrow the operator pod's egress.
     */
    @Test
    void watchNamespacesRenderRolesInsteadOfAClusterRole() throws Exception {
        Map<String, JsonNode> all = byKindAndName(EcosystemTools.helm(null, "template", "tunnels", CHART.toString(),
                "--namespace", "ops", "--kube-version", "1.35.4", "--set", "watchNamespaces={team-a,team-b}",
                "--set", "operatorNetworkPolicy.apiServerCidrs={10.96.0.1/32}"), true);
        assertThat(all.get("Deployment/ops/tunnels").at("/spec/template/spec/containers/0/env").findValuesAsText("value"))
                .contains("team-a,team-b");
        // deploy/cluster-role.yaml lists the namespaced rules first, then any on cluster-scoped kinds: the former
        // become the Roles, the latter (none today) stay in a ClusterRole.
        List<JsonNode> deployRules = new ArrayList<>();
        YAML.readTree(Path.of("deploy/cluster-role.yaml").toFile()).get("rules").forEach(deployRules::add);
        JsonNode clusterRole = all.get("ClusterRole//tunnels");
        List<JsonNode> clusterScoped = new ArrayList<>();
        if (clusterRole != null) {
            clusterRole.get("rules").forEach(clusterScoped::add);
            assertThat(all).containsKey("ClusterRoleBinding//tunnels");
        }
        // Beyond deploy/'s rules, one read-only rule: the ClusterSshBastion controller reads every tunnel, so that
        // releases sharding the cluster agree on a shared bastion's ledger (WatchNamespacesIT).
        JsonNode allTunnelsRead = YAML.readTree("{apiGroups: [sshtunnel.dev], resources: [sshtunnels], verbs: [list, watch]}");
        assertThat(clusterScoped).as("every tunnel, read-only").contains(allTunnelsRead);
        clusterScoped.remove(allTunnelsRead);
        for (String namespace : List.of("team-a", "team-b")) {
            JsonNode role = all.get("Role/" + namespace + "/tunnels");
            assertThat(role).as("Role in " + namespace).isNotNull();
            List<JsonNode> granted = new ArrayList<>();
            role.get("rules").forEach(granted::add);
            granted.addAll(clusterScoped);
            assertThat(granted).as("Role + cluster-scoped ClusterRole = deploy/cluster-role.yaml").isEqualTo(deployRules);
            assertThat(clusterScoped).as("nothing namespaced stays cluster-wide").doesNotContainAnyElementsOf(
                    (Iterable<JsonNode>) () -> role.get("rules").elements());
            JsonNode binding = all.get("RoleBinding/" + namespace + "/tunnels");
            assertThat(binding.at("/roleRef/name").asText()).isEqualTo("tunnels");
            assertThat(binding.at("/subjects/0/name").asText()).isEqualTo("tunnels");
            assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo("ops");
        }
        assertThat(all.get("NetworkPolicy/ops/tunnels").at("/spec/egress/1/to/0/ipBlock/cidr").asText()).isEqualTo("10.96.0.1/32");
        assertThat(all.get("ValidatingAdmissionPolicy//tunnels-own-objects").at("/spec/matchConditions/0/expression").asText())
                .contains("'system:serviceaccount:ops:tunnels'");
    }

    /**
     * The same rendering installed on the real API server: the operator's token of that release reads and
     * writes in its watched namespace and nowhere else, and the release's admission policy judges it there.
     */
    @Test
    void watchNamespacesConfineTheOperatorTokenOnARealApiServer() throws Exception {
        String release = "scoped";
        for (String namespace : List.of("scoped-ops", "scoped-a", "scoped-b")) {
            dev.sshtunnel.testing.RealCluster.namespace(namespace);
        }
        var admin = dev.sshtunnel.testing.RealCluster.admin();
        String rendered = EcosystemTools.helm(null, "template", release, CHART.toString(), "--namespace", "scoped-ops",
                "--kube-version", "1.35.4", "--set", "watchNamespaces={scoped-a}");
        List<String> installed = new ArrayList<>();
        for (var object : admin.load(new ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8))).items()) {
            if (List.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ValidatingAdmissionPolicy",
                    "ValidatingAdmissionPolicyBinding").contains(object.getKind())) {
                if (object.getMetadata().getNamespace() == null && !object.getKind().startsWith("Cluster")
                        && !object.getKind().startsWith("ValidatingAdmissionPolicy")) {
                    object.getMetadata().setNamespace("scoped-ops");
                }
                admin.resource(object).forceConflicts().serverSideApply();
                installed.add(object.getKind() + "/" + object.getMetadata().getName());
            }
        }
        assertThat(installed).contains("Role/" + release, "RoleBinding/" + release);
        String token = dev.sshtunnel.sandbox.Sandbox.serviceAccountToken(admin, "scoped-ops", release);
        try (var operator = dev.sshtunnel.testing.RealCluster.client(token)) {
            var labels = Map.of(dev.sshtunnel.operator.dependent.ForwarderLabels.MANAGED_BY, dev.sshtunnel.operator.dependent.ForwarderLabels.OPERATOR_NAME);
            // In its namespace: reads Secrets, writes its labelled objects; the release's policy refuses the rest.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(operator.secrets().inNamespace("scoped-a").list().getItems()).isNotNull());
            operator.configMaps().inNamespace("scoped-a").resource(configMap("ours", labels)).create();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(refusal(() -> operator.configMaps().inNamespace("scoped-a").resource(configMap("theirs", Map.of()))
                            .create())).contains("ValidatingAdmissionPolicy '" + release + "-own-objects'"));
            // Anywhere else: RBAC refuses before the policy is asked, reads as well as writes.
            assertThat(refusal(() -> operator.secrets().inNamespace("scoped-b").list())).contains("cannot list resource \"secrets\"");
            assertThat(refusal(() -> operator.secrets().inAnyNamespace().list())).contains("cannot list resource \"secrets\"");
            assertThat(refusal(() -> operator.configMaps().inNamespace("scoped-b").resource(configMap("ours", labels)).create()))
                    .contains("cannot create resource \"configmaps\"");
            assertThat(refusal(() -> operator.pods().inNamespace("scoped-b").list())).contains("cannot list resource \"pods\"");
        }
    }

    private static io.fabric8.kubernetes.api.model.ConfigMap configMap(String name, Map<String, String> labels) {
        return new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName(name).withLabels(labels)
                .endMetadata().build();
    }

    private static String refusal(org.assertj.core.api.ThrowableAssert.ThrowingCallable request) {
        var refused = org.assertj.core.api.Assertions.catchThrowableOfType(
                io.fabric8.kubernetes.client.KubernetesClientException.class, request);
        assertThat(refused).as("refused").isNotNull();
        assertThat(refused.getCode()).as(refused.getMessage()).isEqualTo(403);
        return refused.getMessage();
    }

    private static Map<String, JsonNode> byKindAndName(String stream) throws IOException {
        return byKindAndName(stream, false);
    }

    /** Keyed "Kind/name", or "Kind/namespace/name" when {@code namespaced} (Roles of several namespaces share a name). */
    private static Map<String, JsonNode> byKindAndName(String stream, boolean namespaced) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)))) {
            var iterator = YAML.readValues(parser, JsonNode.class);
            while (iterator.hasNext()) {
                JsonNode document = iterator.next();
                if (document != null && document.has("kind") && !document.get("kind").asText().equals("CustomResourceDefinition")
                        && !document.get("kind").asText().equals("Namespace")) {
                    documents.add(document);
                }
            }
        }
        return documents.stream().collect(Collectors.toMap(d -> d.get("kind").asText() + "/"
                + (namespaced ? d.at("/metadata/namespace").asText() + "/" : "") + d.at("/metadata/name").asText(),
                Function.identity()));
    }

    /**
     * Labels differ by design (kustomize adds part-of everywhere), so does the chart's checksum of its guard-rail
     * values (kustomize has none) and the namespace kustomize also writes on the cluster-scoped admission policy
     * objects (the API server ignores it); everything else must match.
     */
    private static JsonNode comparable(JsonNode object) {
        ObjectNode copy = object.deepCopy();
        ((ObjectNode) copy.get("metadata")).remove("labels");
        if (copy.get("kind").asText().startsWith("ValidatingAdmissionPolicy")) {
            ((ObjectNode) copy.get("metadata")).remove("namespace");
        }
        if (copy.at("/spec/template/metadata/annotations").isObject()) {
            ObjectNode annotations = (ObjectNode) copy.at("/spec/template/metadata/annotations");
            annotations.remove("checksum/guard-rails");
            if (annotations.isEmpty()) {
                ((ObjectNode) copy.at("/spec/template/metadata")).remove("annotations");
            }
        }
        return copy;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        return out;
    }
}
