package dev.sshtunnel.config.validation;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * The CRD's structural schema as a JSON Schema (draft 2020-12), checked with networknt's
 * validator. Unknown fields, which the API server would silently prune, are reported: a lint
 * exists to catch the typo that would otherwise vanish.
 */
final class SchemaCheck {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "metadata", "spec", "status");

    private final JsonSchema schema;

    SchemaCheck(JsonNode openApiRoot) {
        ObjectNode root = JSON.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.put("type", "object");
        ObjectNode properties = root.putObject("properties");
        properties.set("spec", toJsonSchema(openApiRoot.path("properties").path("spec")));
        root.putArray("required").add("spec");
        this.schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(root);
    }

    List<Violation> check(JsonNode object) {
        List<Violation> violations = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!TOP_LEVEL.contains(field)) {
                violations.add(new Violation(field, "unknown field (the API server would drop it)"));
            }
        }
        for (ValidationMessage error : schema.validate(object)) {
            violations.add(new Violation(path(error), message(error)));
        }
        return violations;
    }

    /** OpenAPI v3 (as CRDs use it) to JSON Schema: closed objects, int-or-string, Kubernetes extensions dropped. */
    private static JsonNode toJsonSchema(JsonNode openApi) {
        ObjectNode schema = JSON.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = openApi.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            switch (key) {
                case "properties" -> {
                    ObjectNode properties = schema.putObject("properties");
                    value.fields().forEachRemaining(p -> properties.set(p.getKey(), toJsonSchema(p.getValue())));
                }
                case "items", "additionalProperties" -> schema.set(key, value.isObject() ? toJsonSchema(value) : value);
                case "anyOf" -> {
                    var anyOf = schema.putArray("anyOf");
                    value.forEach(v -> anyOf.add(toJsonSchema(v)));
                }
                case "description", "default", "nullable", "x-kubernetes-validations", "x-kubernetes-list-type",
                        "x-kubernetes-list-map-keys", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields" -> {
                    // documentation, defaulting (applied before) and rules checked elsewhere
                }
                // The generator writes 65535.0; a whole number reads better in messages.
                case "minimum", "maximum" -> schema.put(key, value.asLong());
                default -> schema.set(key, value);
            }
        }
        if (openApi.has("x-kubernetes-int-or-string")) {
            schema.remove("type");
        }
        if ("object".equals(openApi.path("type").asText()) && openApi.has("properties")
                && !openApi.has("additionalProperties") && !openApi.has("x-kubernetes-preserve-unknown-fields")) {
            schema.put("additionalProperties", false);
        }
        return schema;
    }

    private static String path(ValidationMessage error) {
        String location = error.getInstanceLocation().toString(); // e.g. $.spec.forwards[0].port
        String path = location.startsWith("$") ? location.substring(1) : location;
        if (path.startsWith(".")) {
            path = path.substring(1);
        }
        if (("required".equals(error.getType()) || "additionalProperties".equals(error.getType()))
                && error.getProperty() != null) {
            path = path.isEmpty() ? error.getProperty() : path + "." + error.getProperty();
        }
        return path.isEmpty() ? "(object)" : path;
    }

    private static String message(ValidationMessage error) {
        return switch (error.getType()) {
            case "required" -> "Required value";
            case "additionalProperties" -> "unknown field (the API server would drop it)";
            case "enum" -> "Unsupported value: " + error.getInstanceNode() + ": supported values: "
                    + String.join(", ", enumValues(error.getSchemaNode()));
            default -> "Invalid value: " + error.getInstanceNode() + ": " + stripLocation(error.getMessage());
        };
    }

    private static List<String> enumValues(JsonNode node) {
        List<String> values = new ArrayList<>();
        if (node != null) {
            node.forEach(v -> values.add("\"" + v.asText() + "\""));
        }
        return values;
    }

    /** networknt prefixes messages with the location; the path is printed separately. */
    private static String stripLocation(String message) {
        int colon = message.indexOf(": ");
        return message.startsWith("$") && colon > 0 ? message.substring(colon + 2) : message;
    }
}
