package dev.sshtunnel.sandbox;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A `fieldSelector` query parameter (`metadata.name=db,involvedObject.uid!=x`), applied by the
 * front because the mock API server ignores it on lists and watches; kubectl relies on it for
 * `kubectl wait`, `get NAME -w` and the events of `kubectl describe`.
 */
record FieldSelector(List<Term> terms) {

    record Term(String path, String value, boolean equal) {
    }

    static FieldSelector fromQuery(String rawQuery) {
        List<Term> terms = new ArrayList<>();
        if (rawQuery == null) {
            return new FieldSelector(terms);
        }
        for (String parameter : rawQuery.split("&")) {
            int eq = parameter.indexOf('=');
            if (eq < 0 || !parameter.substring(0, eq).equals("fieldSelector")) {
                continue;
            }
            for (String term : URLDecoder.decode(parameter.substring(eq + 1), StandardCharsets.UTF_8).split(",")) {
                boolean negated = term.contains("!=");
                String[] parts = term.split(negated ? "!=" : "==?", 2);
                if (parts.length == 2) {
                    terms.add(new Term(parts[0].trim(), parts[1].trim(), !negated));
                }
            }
        }
        return new FieldSelector(terms);
    }

    /**
     * The query without fieldSelector (as "?..." or ""): the mock filters on the fields it knows and
     * drops objects for the rest (involvedObject.*), so the front applies every selector itself.
     */
    static String removedFrom(String rawQuery) {
        if (rawQuery == null) {
            return "";
        }
        String rest = java.util.Arrays.stream(rawQuery.split("&")).filter(p -> !p.startsWith("fieldSelector="))
                .collect(java.util.stream.Collectors.joining("&"));
        return rest.isEmpty() ? "" : "?" + rest;
    }

    boolean isEmpty() {
        return terms.isEmpty();
    }

    boolean matches(JsonNode object) {
        for (Term term : terms) {
            JsonNode node = object;
            for (String segment : term.path.split("\\.")) {
                node = node.path(segment);
            }
            String actual = node.isMissingNode() || node.isNull() ? "" : node.asText();
            if (actual.equals(term.value) != term.equal) {
                return false;
            }
        }
        return true;
    }
}
