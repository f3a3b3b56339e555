package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sshtunnel.config.validation.ManifestValidator;
import dev.sshtunnel.config.validation.Violation;
import io.fabric8.zjsonpatch.JsonPatch;

/**
 * The API server's part in writing an SshTunnel, which the mock does not do: the CRD's schema and
 * CEL rules (a refused object is never stored), its defaults, a status that only the /status
 * subresource changes, and metadata.generation bumped when the spec changes — the operator is
 * generation-aware, so without the bump it would ignore `kubectl apply` of a new spec. Patches are
 * applied here and stored as a full update, so validation sees the object that would be stored.
 */
final class Admission {

    record Result(String method, byte[] body, int code, byte[] refusal) {
    }

    interface Reader {
        JsonNode get(String path) throws IOException, InterruptedException;
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ManifestValidator validator = ManifestValidator.fromClasspath();

    Result admit(String method, String namespace, String name, String contentType, byte[] body, Reader reader)
            throws IOException, InterruptedException {
        JsonNode current = name == null ? null
                : reader.get("/apis/sshtunnel.dev/v1alpha1/namespaces/" + namespace + "/sshtunnels/" + name);
        ObjectNode proposed;
        if ("PATCH".equals(method)) {
            if (current == null) {
                return refuse(404, "NotFound", "sshtunnels.sshtunnel.dev \"" + name + "\" not found");
            }
            proposed = patched(current, contentType, body);
            if (proposed == null) {
                return refuse(415, "UnsupportedMediaType", "the sandbox applies merge and JSON patches only (got " + contentType
                        + "); use kubectl apply without --server-side");
            }
        } else {
            proposed = (ObjectNode) JSON.readTree(body);
        }
        if (proposed.path("metadata").path("namespace").isMissingNode()) {
            ((ObjectNode) proposed.path("metadata")).put("namespace", namespace);
        }
        List<Violation> violations = validator.validate(proposed);
        if (!violations.isEmpty()) {
            String objectName = proposed.path("metadata").path("name").asText(name == null ? "" : name);
            String detail = violations.size() == 1 ? violations.get(0).toString()
                    : violations.stream().map(Violation::toString).toList().toString();
            return refuse(422, "Invalid", "SshTunnel.sshtunnel.dev \"" + objectName + "\" is invalid: " + detail);
        }
        ObjectNode stored = validator.withDefaults(proposed);
        ObjectNode metadata = (ObjectNode) stored.path("metadata");
        if (current == null) {
            stored.remove("status");
            metadata.put("generation", 1);
        } else {
            long generation = current.path("metadata").path("generation").asLong(1);
            boolean specChanged = !current.path("spec").equals(stored.path("spec"));
            metadata.put("generation", specChanged ? generation + 1 : generation);
            metadata.put("resourceVersion", current.path("metadata").path("resourceVersion").asText());
            metadata.set("uid", current.path("metadata").path("uid"));
            metadata.set("creationTimestamp", current.path("metadata").path("creationTimestamp"));
            if (current.has("status")) {
                stored.set("status", current.get("status"));
            } else {
                stored.remove("status");
            }
        }
        return new Result("PATCH".equals(method) ? "PUT" : method, JSON.writeValueAsBytes(stored), 0, null);
    }

    private static ObjectNode patched(JsonNode current, String contentType, byte[] body) throws IOException {
        String type = contentType == null ? "" : contentType;
        if (type.startsWith("application/merge-patch+json") || type.startsWith("application/strategic-merge-patch+json")) {
            // Custom resources take strategic merge patches as merge patches (no patch strategy metadata).
            return (ObjectNode) mergePatch(current.deepCopy(), JSON.readTree(body));
        }
        if (type.startsWith("application/json-patch+json")) {
            return (ObjectNode) JsonPatch.apply(JSON.readTree(body), current);
        }
        return null;
    }

    /** RFC 7386. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode result = target != null && target.isObject() ? (ObjectNode) target : JSON.createObjectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getValue().isNull()) {
                result.remove(field.getKey());
            } else {
                result.set(field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
            }
        }
        return result;
    }

    private static Result refuse(int code, String reason, String message) {
        return new Result(null, null, code, ApiFront.status(code, reason, message));
    }
}
