package dev.sshtunnel.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sshtunnel.sandbox.Sandbox;

/** The API server's audit log (JSON lines): who asked for what, and what the server answered. */
public record AuditLog(List<Entry> entries) {

    public static final String OPERATOR_USER = "system:serviceaccount:" + Sandbox.OPERATOR_NAMESPACE + ":"
            + Sandbox.OPERATOR_SERVICE_ACCOUNT;

    /** One request: "group/resource[/subresource]:verb" and the response code. */
    public record Entry(String user, String permission, String namespace, String name, int code) {
    }

    public static AuditLog read(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Entry> entries = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode event = json.readTree(line);
            JsonNode ref = event.path("objectRef");
            if (ref.isMissingNode() || ref.path("resource").asText().isEmpty()) {
                continue; // non-resource URLs (/readyz, /version, discovery)
            }
            String resource = ref.path("resource").asText()
                    + (ref.path("subresource").asText().isEmpty() ? "" : "/" + ref.path("subresource").asText());
            entries.add(new Entry(event.path("user").path("username").asText(),
                    ref.path("apiGroup").asText() + "/" + resource + ":" + event.path("verb").asText(),
                    ref.path("namespace").asText(), ref.path("name").asText(),
                    event.path("responseStatus").path("code").asInt()));
        }
        return new AuditLog(entries);
    }

    public List<Entry> byOperator() {
        return entries.stream().filter(e -> e.user().equals(OPERATOR_USER)).toList();
    }

    /**
     * The permissions the operator's requests needed: each request's own verb, plus `create` for a
     * server-side apply PATCH that created its object (201), which the authorizer checks as well.
     */
    public Set<String> operatorPermissions() {
        Set<String> used = new TreeSet<>();
        byOperator().forEach(e -> {
            used.add(e.permission());
            if (e.permission().endsWith(":patch") && e.code() == 201) {
                used.add(e.permission().replaceFirst(":patch$", ":create"));
            }
        });
        return used;
    }
}
