package dev.sshtunnel.config.validation;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Applies schema defaults the way the API server does before validation: for absent fields of present objects. */
final class StructuralDefaults {

    private StructuralDefaults() {
    }

    static void apply(JsonNode schema, JsonNode value) {
        if (value == null) {
            return;
        }
        if (value.isObject()) {
            ObjectNode object = (ObjectNode) value;
            JsonNode properties = schema.path("properties");
            for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> property = it.next();
                JsonNode child = object.get(property.getKey());
                if (child == null && property.getValue().has("default")) {
                    object.set(property.getKey(), property.getValue().get("default").deepCopy());
                } else if (child != null) {
                    apply(property.getValue(), child);
                }
            }
        } else if (value.isArray() && schema.has("items")) {
            value.forEach(item -> apply(schema.get("items"), item));
        }
    }
}
