package dev.sshtunnel.operator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Secret;

/**
 * The pod template annotation that rolls forwarder pods when anything they read changes: the
 * tunnel document and the referenced Secrets (a rotated key must reach the pods, which read it only
 * at start).
 * <p>
 * A referenced Secret enters the digest by identity — namespace/name, uid and resourceVersion —
 * never by value. The annotation is readable by anyone with {@code view} on the namespace, and so is
 * the tunnel document (the ConfigMap): a digest over values let them test password or passphrase
 * guesses offline. Identity, not an HMAC with an operator-held key: it needs no key to keep, rotate
 * or lose, and the same inputs give the same digest in every operator process, so a restart or a
 * new leader rolls no pods. Every write of a Secret's data moves its resourceVersion (and a
 * re-created Secret has a new uid), so rotation still rolls the pods; the price is that a write of
 * the Secret's metadata alone (a label) rolls them too.
 */
public final class ConfigHash {

    public static final String ANNOTATION = "sshtunnel.dev/config-hash";

    private ConfigHash() {
    }

    /**
     * @param keysBySecret Secret name → the keys the pods mount from it
     * @param secrets the referenced Secrets by name; only their metadata is read
     */
    public static String of(String tunnelDocument, Map<String, Set<String>> keysBySecret, Map<String, Secret> secrets) {
        MessageDigest digest = sha256();
        update(digest, tunnelDocument);
        keysBySecret.forEach((secretName, keys) -> {
            update(digest, secretName + "/" + String.join(",", keys));
            Secret secret = secrets.get(secretName);
            if (secret == null) {
                update(digest, "<absent>");
            } else {
                var metadata = secret.getMetadata();
                update(digest, metadata.getNamespace() + "/" + metadata.getName());
                update(digest, String.valueOf(metadata.getUid()));
                update(digest, String.valueOf(metadata.getResourceVersion()));
            }
        });
        return HexFormat.of().formatHex(digest.digest()).substring(0, 32);
    }

    private static void update(MessageDigest digest, String part) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        digest.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        digest.update((byte) ':');
        digest.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
