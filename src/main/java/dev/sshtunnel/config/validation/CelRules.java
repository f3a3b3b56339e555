package dev.sshtunnel.config.validation;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

/**
 * Evaluates the CRD's x-kubernetes-validations (CEL) rules where the API server would: at each
 * schema node that carries them, with {@code self} bound to the value there (each item, for rules
 * under {@code items}), after defaulting.
 */
final class CelRules {

    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .addVar("self", SimpleType.DYN)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

    private final Map<String, CelRuntime.Program> programs = new ConcurrentHashMap<>();
    private final JsonNode specSchema;

    CelRules(JsonNode openApiRoot) {
        this.specSchema = openApiRoot.path("properties").path("spec");
    }

    List<Violation> check(JsonNode spec) {
        List<Violation> violations = new ArrayList<>();
        walk(specSchema, spec, "spec", violations);
        return violations;
    }

    private void walk(JsonNode schema, JsonNode value, String path, List<Violation> violations) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return;
        }
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            if (!holds(rule.path("rule").asText(), value)) {
                String field = path + rule.path("fieldPath").asText("");
                violations.add(new Violation(field, reasonText(rule.path("reason").asText()) + rule.path("message").asText()));
            }
        }
        if (value.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> property = it.next();
                walk(property.getValue(), value.get(property.getKey()), path + "." + property.getKey(), violations);
            }
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                walk(schema.get("items"), value.get(i), path + "[" + i + "]", violations);
            }
        }
    }

    private boolean holds(String rule, JsonNode value) {
        try {
            Object result = program(rule).eval(Map.of("self", toCel(value)));
            return Boolean.TRUE.equals(result);
        } catch (CelEvaluationException e) {
            return false; // the API server also refuses an object whose rule cannot be evaluated
        }
    }

    private CelRuntime.Program program(String rule) {
        return programs.computeIfAbsent(rule, text -> {
            try {
                CelAbstractSyntaxTree ast = COMPILER.compile(text).getAst();
                return RUNTIME.createProgram(ast);
            } catch (CelValidationException | CelEvaluationException e) {
                throw new IllegalStateException("CRD rule does not compile: " + text + ": " + e.getMessage(), e);
            }
        });
    }

    /** JSON as CEL values: maps, lists, int (long), double, string, bool. */
    static Object toCel(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(f -> {
                if (!f.getValue().isNull()) {
                    map.put(f.getKey(), toCel(f.getValue()));
                }
            });
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(item -> list.add(toCel(item)));
            return list;
        }
        if (node.isIntegralNumber()) {
            return node.asLong();
        }
        if (node.isNumber()) {
            return node.asDouble();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        return node.asText();
    }

    /** kubectl's wording for the rule's reason. */
    private static String reasonText(String reason) {
        return switch (reason) {
            case "FieldValueRequired" -> "Required value: ";
            case "FieldValueForbidden" -> "Forbidden: ";
            case "FieldValueDuplicate" -> "Duplicate value: ";
            default -> "Invalid value: ";
        };
    }
}
