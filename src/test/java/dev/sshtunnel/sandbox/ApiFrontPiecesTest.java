package dev.sshtunnel.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The parts of the sandbox's API front that kubectl depends on, one by one. */
class ApiFrontPiecesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void printerColumnJsonPathsPickTheReadyCondition() throws Exception {
        JsonNode tunnel = json("""
                {"metadata":{"name":"db"},"status":{"conditions":[
                  {"type":"Connected","reason":"Connected"},{"type":"Ready","reason":"Unreachable","message":"down"}]}}""");
        assertThat(PrinterColumns.evaluate(".status.conditions[?(@.type==\"Ready\")].reason", tunnel).asText()).isEqualTo("Unreachable");
        assertThat(PrinterColumns.evaluate(".metadata.name", tunnel).asText()).isEqualTo("db");
        assertThat(PrinterColumns.evaluate(".status.conditions[?(@.type==\"Gone\")].reason", tunnel)).isNull();
    }

    @Test
    void agesReadLikeKubectl() {
        assertThat(PrinterColumns.age(Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(PrinterColumns.age(Duration.ofSeconds(200))).isEqualTo("3m20s");
        assertThat(PrinterColumns.age(Duration.ofMinutes(42))).isEqualTo("42m");
        assertThat(PrinterColumns.age(Duration.ofHours(5))).isEqualTo("5h");
        assertThat(PrinterColumns.age(Duration.ofDays(3))).isEqualTo("3d");
    }

    @Test
    void tablesCarryColumnDefinitionsAndOneRowPerObject() throws Exception {
        JsonNode pod = json("""
                {"metadata":{"name":"p","creationTimestamp":"2026-01-01T00:00:00Z"},"spec":{"containers":[{},{}]},
                 "status":{"phase":"Pending","podIP":"127.1.0.1","containerStatuses":[
                   {"ready":true,"restartCount":1},{"ready":false,"restartCount":2,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}}""");
        JsonNode table = PrinterColumns.forResource("pods").table(List.of(pod), true, "7", Instant.parse("2026-01-01T00:01:00Z"));
        assertThat(table.path("columnDefinitions")).hasSize(6);
        assertThat(table.path("rows").get(0).path("cells").toString())
                .isEqualTo("[\"p\",\"1/2\",\"CrashLoopBackOff\",3,\"60s\",\"127.1.0.1\"]");
        assertThat(table.path("rows").get(0).path("object").path("metadata").path("name").asText()).isEqualTo("p");
    }

    @Test
    void fieldSelectorsMatchNestedFieldsAndNegation() throws Exception {
        JsonNode event = json("{\"involvedObject\":{\"name\":\"db\",\"kind\":\"SshTunnel\"},\"reason\":\"Connected\"}");
        assertThat(FieldSelector.fromQuery("fieldSelector=involvedObject.name%3Ddb%2CinvolvedObject.kind%3DSshTunnel&limit=500")
                .matches(event)).isTrue();
        assertThat(FieldSelector.fromQuery("fieldSelector=reason!%3DConnected").matches(event)).isFalse();
        assertThat(FieldSelector.fromQuery("fieldSelector=involvedObject.name%3D%3Dother").matches(event)).isFalse();
        assertThat(FieldSelector.fromQuery("limit=5").isEmpty()).isTrue();
        assertThat(FieldSelector.removedFrom("fieldSelector=a%3Db&watch=true")).isEqualTo("?watch=true");
        assertThat(FieldSelector.removedFrom("fieldSelector=a%3Db")).isEmpty();
    }

    @Test
    void resourceNamesComeFromApiPaths() {
        assertThat(ApiFront.resourceOf("/api/v1/namespaces/default/events")).isEqualTo("events");
        assertThat(ApiFront.resourceOf("/api/v1/namespaces")).isEqualTo("namespaces");
        assertThat(ApiFront.resourceOf("/apis/apps/v1/namespaces/x/deployments/db")).isEqualTo("deployments");
        assertThat(ApiFront.resourceOf("/apis/apps/v1/deployments")).isEqualTo("deployments");
    }

    private static final String TUNNEL = """
            {"apiVersion":"sshtunnel.dev/v1alpha1","kind":"SshTunnel","metadata":{"name":"db","namespace":"default"},
             "spec":{"ssh":{"host":"bastion","user":"u","privateKeySecretRef":{"name":"k","key":"id"}},
                     "forwards":[{"name":"pg","type":"Local","port":5432,"target":{"host":"db","port":5432}}]}}""";

    private static Admission.Reader storing(String stored) {
        return path -> stored == null ? null : JSON.readTree(stored);
    }

    @Test
    void admissionStoresDefaultsAndGenerationOne() throws Exception {
        Admission.Result created = new Admission().admit("POST", "default", null, "application/json",
                TUNNEL.getBytes(StandardCharsets.UTF_8), storing(null));
        assertThat(created.refusal()).isNull();
        JsonNode stored = JSON.readTree(created.body());
        assertThat(stored.path("metadata").path("generation").asLong()).isEqualTo(1);
        assertThat(stored.path("spec").path("ssh").path("port").asInt()).as("schema default").isEqualTo(22);
    }

    @Test
    void admissionBumpsGenerationOnlyWhenTheSpecChangesAndKeepsStatus() throws Exception {
        Admission admission = new Admission();
        JsonNode current = JSON.readTree(admission.admit("POST", "default", null, "application/json",
                TUNNEL.getBytes(StandardCharsets.UTF_8), storing(null)).body());
        ((com.fasterxml.jackson.databind.node.ObjectNode) current).putObject("status").put("observedGeneration", 1);
        ((com.fasterxml.jackson.databind.node.ObjectNode) current.path("metadata")).put("resourceVersion", "9");
        String stored = current.toString();

        Admission.Result label = admission.admit("PATCH", "default", "db", "application/merge-patch+json",
                "{\"metadata\":{\"labels\":{\"team\":\"a\"}}}".getBytes(StandardCharsets.UTF_8), storing(stored));
        JsonNode labelled = JSON.readTree(label.body());
        assertThat(label.method()).isEqualTo("PUT");
        assertThat(labelled.path("metadata").path("generation").asLong()).isEqualTo(1);
        assertThat(labelled.path("metadata").path("labels").path("team").asText()).isEqualTo("a");
        assertThat(labelled.path("status").path("observedGeneration").asLong()).isEqualTo(1);

        Admission.Result port = admission.admit("PATCH", "default", "db", "application/json-patch+json",
                "[{\"op\":\"replace\",\"path\":\"/spec/forwards/0/port\",\"value\":6432}]".getBytes(StandardCharsets.UTF_8),
                storing(stored));
        assertThat(JSON.readTree(port.body()).path("metadata").path("generation").asLong()).isEqualTo(2);
    }

    @Test
    void admissionRefusesWhatTheCrdRefusesNamingTheField() throws Exception {
        Admission.Result refused = new Admission().admit("POST", "default", null, "application/json",
                TUNNEL.replace("5432,\"target\"", "0,\"target\"").getBytes(StandardCharsets.UTF_8), storing(null));
        assertThat(refused.code()).isEqualTo(422);
        JsonNode status = JSON.readTree(refused.refusal());
        assertThat(status.path("reason").asText()).isEqualTo("Invalid");
        assertThat(status.path("message").asText()).startsWith("SshTunnel.sshtunnel.dev \"db\" is invalid: spec.forwards[0].port");
    }
}
