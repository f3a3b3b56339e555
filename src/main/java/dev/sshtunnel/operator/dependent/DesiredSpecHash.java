package dev.sshtunnel.operator.dependent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Stamps a digest of the desired spec on a dependent. Without SSA, the operator SDK's matcher only
 * notices fields added or changed, not list items removed (a dropped Service port or policy rule
 * would stay forever); a changed digest annotation makes every spec change visible to it.
 */
final class DesiredSpecHash {

    static final String ANNOTATION = "sshtunnel.dev/spec-hash";

    private DesiredSpecHash() {
    }

    static <R extends HasMetadata> R stamp(R resource, Object spec) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(Serialization.asJson(spec).getBytes(StandardCharsets.UTF_8));
            resource.getMetadata().getAnnotations().put(ANNOTATION, HexFormat.of().formatHex(digest).substring(0, 32));
            return resource;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
