package dev.sshtunnel.config.validation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** The openAPIV3Schema of the SshTunnel CRD that this build installs (crds/, packaged into the jar). */
public final class CrdSchema {

    public static final String RESOURCE = "crds/sshtunnels.sshtunnel.dev-v1.yml";
    /** Every CRD of the project, as crds/Kustomization lists them: the SshTunnel's first. */
    public static final List<String> NAMES = List.of("sshtunnels.sshtunnel.dev", "clustersshbastions.sshtunnel.dev",
            "sshbastions.sshtunnel.dev");
    public static final List<String> ALL = NAMES.stream().map(name -> "crds/" + name + "-v1.yml").toList();

    private final JsonNode root;

    private CrdSchema(JsonNode root) {
        this.root = root;
    }

    public static CrdSchema fromClasspath() {
        try (InputStream in = CrdSchema.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the classpath");
            }
            return fromCrd(new ObjectMapper(new YAMLFactory()).readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static CrdSchema fromCrd(JsonNode crd) {
        for (JsonNode version : crd.path("spec").path("versions")) {
            if ("v1alpha1".equals(version.path("name").asText())) {
                return new CrdSchema(version.path("schema").path("openAPIV3Schema"));
            }
        }
        throw new IllegalArgumentException("the CRD has no v1alpha1 schema");
    }

    /** The manifest as the API server stores it: a copy with the schema's defaults filled in. */
    public ObjectNode withDefaults(JsonNode manifest) {
        ObjectNode copy = manifest.deepCopy();
        StructuralDefaults.apply(root, copy);
        return copy;
    }

    /** The schema of the whole object (apiVersion, kind and metadata are implicit in CRDs). */
    public JsonNode root() {
        return root;
    }
}
