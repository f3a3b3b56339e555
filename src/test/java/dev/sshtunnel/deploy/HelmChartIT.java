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
                "RoleBinding/sshtunnel-operator-api-server-addresses", "Deployment/sshtunnel-operator", "Service/sshtunnel-operator");
        assertThat(chart.keySet()).containsExactlyInAnyOrderElementsOf(compared);
        for (String key : compared) {
            assertThat(withoutLabels(chart.get(key))).as(key + ": chart vs deploy/").isEqualTo(withoutLabels(deploy.get(key)));
        }
    }

    @Test
    void optionalPiecesRenderWhenAskedFor() throws Exception {
        Map<String, JsonNode> all = byKindAndName(EcosystemTools.helm(null, "template", "tunnels", CHART.toString(),
                "--namespace", "ops", "--kube-version", "1.35.4", "--set", "replicas=2",
                "--set", "metrics.serviceMonitor.enabled=true,metrics.podMonitor.enabled=true",
                "--set", "metrics.prometheusRule.enabled=true,metrics.dashboard.enabled=true",
                "--set", "watchNamespaces={team-a,team-b}", "--set", "forwarder.allowedImages={registry.internal/sshtunnel/*}"));
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
        assertThat(env).containsEntry("QUARKUS_OPERATOR_SDK_CONTROLLERS_SSHTUNNEL_NAMESPACES", "team-a,team-b")
                .containsEntry("SSHTUNNEL_FORWARDER_ALLOWED_IMAGES", "registry.internal/sshtunnel/*")
                .as("the PodMonitor's scraper is admitted by the tunnels' NetworkPolicies")
                .containsEntry("SSHTUNNEL_NETWORK_POLICY_METRICS_NAMESPACES", "monitoring");
        assertThat(all.get("PodMonitor/sshtunnel-forwarder").at("/spec/podMetricsEndpoints/0/honorLabels").asBoolean(true))
                .as("a pod's own namespace label never wins over the target's").isFalse();
        assertThat(all.get("Deployment/tunnels").at("/spec/replicas").asInt()).isEqualTo(2);

        Map<String, JsonNode> single = byKindAndName(EcosystemTools.helm(null, "template", "tunnels", CHART.toString(),
                "--namespace", "ops", "--kube-version", "1.35.4"));
        assertThat(single).doesNotContainKey("PodDisruptionBudget/tunnels");
    }

    private static Map<String, JsonNode> byKindAndName(String stream) throws IOException {
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
        return documents.stream().collect(Collectors.toMap(d -> d.get("kind").asText() + "/" + d.at("/metadata/name").asText(),
                Function.identity()));
    }

    /** Labels differ by design (kustomize adds part-of everywhere); everything else must match. */
    private static JsonNode withoutLabels(JsonNode object) {
        ObjectNode copy = object.deepCopy();
        ((ObjectNode) copy.get("metadata")).remove("labels");
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
