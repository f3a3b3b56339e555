package dev.sshtunnel.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/** Runs deploy/argocd/health.lua in a real Lua 5.4 interpreter, the way Argo CD does (obj is a global). */
class ArgoCdHealthCheckIT {

    private static final Path SCRIPT = dev.sshtunnel.testing.ArgoCdHealth.SCRIPT;

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
        assertThat(health(tunnel(5, 4, "True", "Connected", "up"))).isEqualTo("Progressing|Waiting for the forwarders to run generation 5");
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

    /** A forward whose probe fails: the tunnel is up, its path is not — degraded, not progressing. */
    @Test
    void aForwardThatCannotReachItsTargetIsDegraded() throws Exception {
        String unreachable = """
                {"metadata": {"name": "warehouse", "generation": 3},
                 "status": {"observedGeneration": 3, "conditions": [
                   {"type": "Ready", "status": "True", "reason": "Connected", "message": "up"},
                   {"type": "ForwardsReachable", "status": "False", "reason": "TargetUnreachable", "message": "forward db"}]}}
                """;
        assertThat(health(unreachable)).isEqualTo("Degraded|TargetUnreachable: forward db");
        assertThat(health(unreachable.replace("\"False\", \"reason\": \"TargetUnreachable\"", "\"True\", \"reason\": \"Reachable\"")))
                .isEqualTo("Healthy|Connected: up");
    }

    @Test
    void suspendedTunnelIsSuspended() throws Exception {
        assertThat(health(tunnel(2, 2, "False", "Suspended", "spec.suspend is true"))).startsWith("Suspended|");
    }

    /** No forwarder has reported running the tunnel's generation yet. */
    @Test
    void noObservedGenerationIsProgressing() throws Exception {
        assertThat(health(tunnel(1, 1, "True", "Connected", "up").replace("\"observedGeneration\": 1, ", "")))
                .isEqualTo("Progressing|Waiting for the forwarders to run generation 1");
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

    private static String health(String objectJson) {
        return dev.sshtunnel.testing.ArgoCdHealth.of(objectJson);
    }
}
