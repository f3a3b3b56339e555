package dev.sshtunnel.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Every list, map and string of the committed CRDs has a size bound, so no SshTunnel can grow a field
 * without limit (the operator caches every object) and every CEL rule's cost stays bounded. A new
 * field without one fails here: give it {@code @Size} or a bound in api.crd.SchemaBounds.
 */
class CrdBoundsTest {

    /** A quantifier that lets a pattern match any length: *, + or {n,} outside a character class. */
    private static final Pattern UNBOUNDED_QUANTIFIER = Pattern.compile("[*+]|\\{\\d+,}");
    private static final Pattern CHARACTER_CLASS = Pattern.compile("\\[(\\\\.|[^\\]])*]");
    private static final Pattern KEY_LENGTH_RULE = Pattern.compile("self\\.all\\(k, size\\(k\\) <= \\d+\\)");

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"crds/sshtunnels.sshtunnel.dev-v1.yml",
            "crds/clustersshbastions.sshtunnel.dev-v1.yml", "crds/sshbastions.sshtunnel.dev-v1.yml"})
    void everyListMapAndStringIsBounded(String file) throws IOException {
        Path CRD = Path.of(file);
        JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(CRD.toFile());
        List<String> unbounded = new ArrayList<>();
        for (JsonNode version : crd.path("spec").path("versions")) {
            walk(version.path("schema").path("openAPIV3Schema"), version.path("name").asText(), unbounded);
        }
        assertThat(unbounded).as("fields of %s without a size bound", CRD).isEmpty();
    }

    /** The check itself: a schema with one unbounded field of each kind yields exactly those. */
    @Test
    void findsEachKindOfUnboundedField() throws IOException {
        JsonNode schema = new ObjectMapper(new YAMLFactory()).readTree("""
                type: object
                properties:
                  list: {type: array, items: {type: string, maxLength: 3}}
                  map: {type: object, maxProperties: 2, additionalProperties: {type: string, maxLength: 3}}
                  keys: {type: object, maxProperties: 2, additionalProperties: {type: string, maxLength: 3},
                         x-kubernetes-validations: [{rule: "self.all(k, size(k) <= 9)"}]}
                  text: {type: string}
                  quantity: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
                  open: {type: string, pattern: "^[a-z]+$"}
                  closed: {type: string, pattern: "^SHA256:[A-Za-z0-9+/]{43}=?$"}
                  choice: {type: string, enum: [A, B]}
                """);
        List<String> unbounded = new ArrayList<>();
        walk(schema, "x", unbounded);
        assertThat(unbounded).containsExactlyInAnyOrder("x.list: array without maxItems",
                "x.map: map without a key length rule", "x.text: string without maxLength, enum or a bounded pattern",
                "x.quantity: string without maxLength, enum or a bounded pattern",
                "x.open: string without maxLength, enum or a bounded pattern");
    }

    private static void walk(JsonNode node, String path, List<String> unbounded) {
        String type = node.path("type").asText();
        if (type.equals("array")) {
            if (!node.has("maxItems")) {
                unbounded.add(path + ": array without maxItems");
            }
            walk(node.path("items"), path + "[]", unbounded);
        } else if (type.equals("string") || node.path("x-kubernetes-int-or-string").asBoolean()) {
            if (!node.has("maxLength") && !node.has("enum") && !boundedPattern(node.path("pattern").asText(null))) {
                unbounded.add(path + ": string without maxLength, enum or a bounded pattern");
            }
        } else if (node.has("additionalProperties") && node.path("additionalProperties").isObject()) {
            if (!node.has("maxProperties")) {
                unbounded.add(path + ": map without maxProperties");
            }
            boolean keysBounded = false;
            for (JsonNode rule : node.path("x-kubernetes-validations")) {
                keysBounded |= KEY_LENGTH_RULE.matcher(rule.path("rule").asText()).find();
            }
            if (!keysBounded) {
                unbounded.add(path + ": map without a key length rule");
            }
            walk(node.path("additionalProperties"), path + "{}", unbounded);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.path("properties").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> property = it.next();
            walk(property.getValue(), path + "." + property.getKey(), unbounded);
        }
    }

    /** An anchored pattern whose quantifiers are all bounded matches strings of bounded length only. */
    private static boolean boundedPattern(String pattern) {
        if (pattern == null || !pattern.startsWith("^") || !pattern.endsWith("$")) {
            return false;
        }
        String outsideClasses = CHARACTER_CLASS.matcher(pattern).replaceAll("c");
        return !UNBOUNDED_QUANTIFIER.matcher(outsideClasses).find();
    }
}
