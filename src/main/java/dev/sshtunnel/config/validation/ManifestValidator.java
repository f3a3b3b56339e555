package dev.sshtunnel.config.validation;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sshtunnel.api.v1alpha1.SshTunnel;

/**
 * Checks an SshTunnel manifest offline as the API server would on `kubectl apply`: structural
 * schema (with unknown fields reported rather than pruned), defaults, then the CEL rules.
 */
public final class ManifestValidator {

    private final SchemaCheck schema;
    private final CelRules rules;
    private final CrdSchema crd;

    public ManifestValidator(CrdSchema crd) {
        this.crd = crd;
        this.schema = new SchemaCheck(crd.root());
        this.rules = new CelRules(crd.root());
    }

    public static ManifestValidator fromClasspath() {
        return new ManifestValidator(CrdSchema.fromClasspath());
    }

    /** Whether a document is an SshTunnel at all (other kinds in a multi-document file are not ours to judge). */
    public static boolean isSshTunnel(JsonNode document) {
        return SshTunnel.KIND.equals(document.path("kind").asText())
                && document.path("apiVersion").asText().startsWith(SshTunnel.GROUP + "/");
    }

    /** The manifest as the API server stores it: a copy with the schema's defaults filled in. */
    public ObjectNode withDefaults(JsonNode manifest) {
        return crd.withDefaults(manifest);
    }

    public List<Violation> validate(JsonNode manifest) {
        List<Violation> violations = new ArrayList<>();
        if (!SshTunnel.API_VERSION.equals(manifest.path("apiVersion").asText())) {
            violations.add(new Violation("apiVersion", "Unsupported value: \"" + manifest.path("apiVersion").asText()
                    + "\": supported values: \"" + SshTunnel.API_VERSION + "\""));
            return violations;
        }
        if (manifest.path("metadata").path("name").asText("").isEmpty()) {
            violations.add(new Violation("metadata.name", "Required value: name is required"));
        }
        ObjectNode copy = withDefaults(manifest);
        violations.addAll(schema.check(copy));
        if (violations.isEmpty()) {
            // Like the API server, rules are judged on an object of the right shape.
            violations.addAll(rules.check(copy.get("spec")));
        }
        return violations;
    }
}
