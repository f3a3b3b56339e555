package dev.sshtunnel.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/** Runs deploy/argocd/health.lua in a real Lua 5.4 interpreter, the way Argo CD does (obj is a global). */
class ArgoCdHealthCheckTest {

    private static final Path SCRIPT = Path.of("deploy/argocd/health.lua");

    @TempDir
    Path dir;

    @Test
    void readyTunnelIsHealthy() throws Exception {
        assertThat(health(tunnel(4, 4, "True", "Connected", "SSH session up"))).isEqualTo("Healthy|Connected: SSH session up");
    }

    @Test
    void connectingTunnelIsProgressing() throws Exception {
        assertThat(health(tunnel(4, 4, "False", "Connecting", "connecting"))).startsWith("Progressing|Connecting");
        assertThat(health(tunnel(4, 4, "False", "ForwarderUnavailable", "0/1 pods"))).startsWith("Progressing|");
    }

    @Test
    void statusOfAnOlderGenerationIsProgressing() throws Exception {
        assertThat(health(tunnel(5, 4, "True", "Connected", "up"))).isEqualTo("Progressing|Waiting for the operator to observe generation 5");
    }

    @Test
    void failuresThatNeedAPersonAreDegraded() throws Exception {
        for (String reason : new String[] {"HostKeyMismatch", "AuthenticationFailed", "SecretNotFound", "InvalidSpec",
                "Unreachable", "RemotePortInUse"}) {
            assertThat(health(tunnel(2, 2, "False", reason, "details"))).as(reason).isEqualTo("Degraded|" + reason + ": details");
        }
    }

    /** The forwarder still runs the last applied spec: Ready may be True, but what Git holds is not live. */
    @Test
    void aHeldBackSpecIsDegradedEvenWhileTheRunningForwarderIsReady() throws Exception {
        String held = """
                {"metadata": {"name": "warehouse", "generation": 3},
                 "status": {"observedGeneration": 3, "conditions": [
                   {"type": "Ready", "status": "True", "reason": "Connected", "message": "up"},
                   {"type": "SpecApplied", "status": "False", "reason": "ImageNotAllowed", "message": "spec.forwarder.image"}]}}
                """;
        assertThat(health(held)).isEqualTo("Degraded|ImageNotAllowed: spec.forwarder.image");
        assertThat(health(held.replace("\"False\", \"reason\": \"ImageNotAllowed\"", "\"True\", \"reason\": \"Applied\"")))
                .isEqualTo("Healthy|Connected: up");
    }

    @Test
    void suspendedTunnelIsSuspended() throws Exception {
        assertThat(health(tunnel(2, 2, "False", "Suspended", "spec.suspend is true"))).startsWith("Suspended|");
    }

    @Test
    void tunnelWithoutStatusIsProgressing() throws Exception {
        assertThat(health("{\"metadata\":{\"name\":\"x\",\"generation\":1},\"spec\":{}}"))
                .isEqualTo("Progressing|Waiting for the operator to report status");
    }

    @Test
    void argoCdConfigMapPatchCarriesTheSameScript() throws IOException {
        JsonNode patch = new YAMLMapper().readTree(Files.readString(Path.of("deploy/argocd/argocd-cm-patch.yaml")));
        assertThat(patch.path("data").path("resource.customizations.health.sshtunnel.dev_SshTunnel").asText())
                .isEqualTo(Files.readString(SCRIPT));
    }

    private static String tunnel(long generation, long observed, String status, String reason, String message) {
        return """
                {"metadata": {"name": "warehouse", "generation": %d},
                 "status": {"observedGeneration": %d, "conditions": [
                   {"type": "Connected", "status": "%s", "reason": "%s", "message": "x"},
                   {"type": "Ready", "status": "%s", "reason": "%s", "message": "%s"}]}}
                """.formatted(generation, observed, status, reason, status, reason, message);
    }

    private String health(String objectJson) throws Exception {
        String harness = "obj = " + toLua(new ObjectMapper().readTree(objectJson)) + "\n"
                + "local check = assert(loadfile(\"" + SCRIPT.toAbsolutePath() + "\"))\n"
                + "local hs = check()\n"
                + "io.write(hs.status .. \"|\" .. (hs.message or \"\"))\n";
        Path file = dir.resolve("harness.lua");
        Files.writeString(file, harness);
        Process lua = new ProcessBuilder("lua5.4", file.toString()).redirectErrorStream(true).start();
        String out = new String(lua.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(lua.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(lua.exitValue()).as(out).isZero();
        return out;
    }

    /** JSON as a Lua table constructor, arrays 1-based as Argo CD's conversion makes them. */
    private static String toLua(JsonNode node) {
        if (node.isObject()) {
            StringBuilder lua = new StringBuilder("{");
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> field = it.next();
                lua.append("[\"").append(field.getKey()).append("\"]=").append(toLua(field.getValue())).append(',');
            }
            return lua.append('}').toString();
        }
        if (node.isArray()) {
            StringBuilder lua = new StringBuilder("{");
            node.forEach(item -> lua.append(toLua(item)).append(','));
            return lua.append('}').toString();
        }
        if (node.isNumber() || node.isBoolean()) {
            return node.asText();
        }
        return "\"" + node.asText().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
