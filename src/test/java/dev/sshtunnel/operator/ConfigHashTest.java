package dev.sshtunnel.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

/**
 * The config-hash annotation is readable with `view`, like the tunnel document it covers: it must not
 * let anyone confirm a guessed password offline, must still change when a Secret is rotated, and must
 * be the same in every operator process (a restart rolls no pods).
 */
class ConfigHashTest {

    static final String DOCUMENT = "apiVersion: sshtunnel.dev/v1alpha1\nkind: SshTunnel\nspec:\n  ssh:\n    host: bastion\n";
    static final Map<String, Set<String>> KEYS = Map.of("bastion-pass", Set.of("password"));

    @Test
    void aGuessedPasswordDoesNotReproduceTheAnnotation() {
        Secret secret = passwordSecret("uid-1", "41", "hunter2");

        String annotation = ConfigHash.of(DOCUMENT, KEYS, Map.of("bastion-pass", secret));

        // What a reader of the ConfigMap and the pod template computes for each guess; the right guess
        // reproduced the annotation while it was a digest over values.
        assertThat(annotation).isNotEqualTo(digestOverValues(DOCUMENT, KEYS, Map.of("bastion-pass", secret.getData())));
    }

    @Test
    void forAFixedSecretIdentityTheValueDoesNotMatter() {
        String right = ConfigHash.of(DOCUMENT, KEYS, Map.of("bastion-pass", passwordSecret("uid-1", "41", "hunter2")));
        String other = ConfigHash.of(DOCUMENT, KEYS, Map.of("bastion-pass", passwordSecret("uid-1", "41", "letmein")));

        assertThat(right).isEqualTo(other);
    }

    @Test
    void aRotatedOrRecreatedSecretChangesTheAnnotation() {
        String before = ConfigHash.of(DOCUMENT, KEYS, Map.of("bastion-pass", passwordSecret("uid-1", "41", "hunter2")));
        String rotated = ConfigHash.of(DOCUMENT, KEYS, Map.of("bastion-pass", passwordSecret("uid-1", "57", "hunter3")));
        String recreated = ConfigHash.of(DOCUMENT, KEYS, Map.of("bastion-pass", passwordSecret("uid-2", "41", "hunter2")));
        String otherKey = ConfigHash.of(DOCUMENT, Map.of("bastion-pass", Set.of("pw")),
                Map.of("bastion-pass", passwordSecret("uid-1", "41", "hunter2")));

        assertThat(java.util.List.of(before, rotated, recreated, otherKey)).doesNotHaveDuplicates();
    }

    @Test
    void theSameInputsGiveTheSameAnnotationInEveryOperatorProcess() {
        // A fixed value, not one computed in this JVM: a per-process key or salt would roll every pod on restart.
        assertThat(ConfigHash.of(DOCUMENT, KEYS, Map.of("bastion-pass", passwordSecret("uid-1", "41", "hunter2"))))
                .isEqualTo("c12ebbf4e849f79859fd4bad74909dc9");
    }

    static Secret passwordSecret(String uid, String resourceVersion, String password) {
        return new SecretBuilder()
                .withNewMetadata().withNamespace("apps").withName("bastion-pass").withUid(uid)
                        .withResourceVersion(resourceVersion).endMetadata()
                .withData(Map.of("password", Base64.getEncoder().encodeToString(password.getBytes(StandardCharsets.UTF_8))))
                .build();
    }

    /**
     * The digest the annotation used to be: the tunnel document and each referenced key's base64 value.
     * Anyone with `view` has the document and the annotation, so this is their offline guessing oracle.
     */
    static String digestOverValues(String document, Map<String, Set<String>> keysBySecret,
            Map<String, Map<String, String>> dataBySecret) throws IllegalStateException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            lengthPrefixed(digest, document);
            new TreeMap<>(keysBySecret).forEach((secretName, keys) -> keys.stream().sorted().forEach(key -> {
                lengthPrefixed(digest, secretName + "/" + key);
                String value = dataBySecret.getOrDefault(secretName, Map.of()).get(key);
                lengthPrefixed(digest, value == null ? "<absent>" : value);
            }));
            return HexFormat.of().formatHex(digest.digest()).substring(0, 32);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void lengthPrefixed(MessageDigest digest, String part) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        digest.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        digest.update((byte) ':');
        digest.update(bytes);
    }
}
