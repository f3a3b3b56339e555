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
 * tunnel document and the referenced Secret keys (a rotated key must reach the pods, which read it
 * only at start). Only a digest is stored; Secret values never leave the API server otherwise.
 */
public final class ConfigHash {

    public static final String ANNOTATION = "sshtunnel.dev/config-hash";

    private ConfigHash() {
    }

    public static String of(String tunnelDocument, Map<String, Set<String>> keysBySecret, Map<String, Secret> secrets) {
        MessageDigest digest = sha256();
        update(digest, tunnelDocument);
        keysBySecret.forEach((secretName, keys) -> {
            Secret secret = secrets.get(secretName);
            for (String key : keys) {
                update(digest, secretName + "/" + key);
                String value = secret == null || secret.getData() == null ? null : secret.getData().get(key);
                update(digest, value == null ? "<absent>" : value);
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
