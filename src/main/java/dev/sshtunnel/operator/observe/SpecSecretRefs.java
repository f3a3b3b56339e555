package dev.sshtunnel.operator.observe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.sshtunnel.api.v1alpha1.PrivateKeySecretRef;
import dev.sshtunnel.api.v1alpha1.ProxyCredentialsSecretRef;
import dev.sshtunnel.api.v1alpha1.SecretKeyRef;
import dev.sshtunnel.api.v1alpha1.SshEndpoint;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;

/**
 * Every Secret key an SshTunnel refers to, with the spec field that refers to it (for messages
 * that tell the user what to fix). Read off the spec alone; {@link SecretMetadataEventSource} watches the Secrets
 * named here and {@link SecretKeyReads} reads which of their keys hold a value.
 */
public final class SpecSecretRefs {

    /** One referenced key; field is the spec path, e.g. spec.ssh.jumpHosts[0].privateKeySecretRef. */
    public record Reference(String secretName, String key, String field) {
    }

    private final List<Reference> references;

    private SpecSecretRefs(List<Reference> references) {
        this.references = List.copyOf(references);
    }

    public static SpecSecretRefs of(SshTunnel tunnel) {
        return of(tunnel.getSpec() == null ? null : tunnel.getSpec().getSsh(), "spec.ssh");
    }

    /** The references of one spec.ssh (a tunnel's, or a bastion's); {@code path} is where messages say it is. */
    public static SpecSecretRefs of(SshSpec ssh, String path) {
        List<Reference> found = new ArrayList<>();
        if (ssh != null) {
            addEndpoint(found, ssh, path);
            for (int i = 0; i < ssh.getJumpHosts().size(); i++) {
                addEndpoint(found, ssh.getJumpHosts().get(i), path + ".jumpHosts[" + i + "]");
            }
            ProxyCredentialsSecretRef proxy = ssh.getProxy() == null ? null : ssh.getProxy().getCredentialsSecretRef();
            if (proxy != null) {
                // Mounted, watched and checked like the SSH credentials: the forwarder reads both keys as files.
                String field = path + ".proxy.credentialsSecretRef";
                found.add(new Reference(proxy.getName(), proxy.getUsernameKey(), field + ".usernameKey"));
                found.add(new Reference(proxy.getName(), proxy.getPasswordKey(), field + ".passwordKey"));
            }
        }
        return new SpecSecretRefs(found);
    }

    private static void addEndpoint(List<Reference> found, SshEndpoint endpoint, String path) {
        PrivateKeySecretRef key = endpoint.getPrivateKeySecretRef();
        add(found, key, path + ".privateKeySecretRef");
        if (key != null && key.getPassphraseKey() != null) {
            found.add(new Reference(key.getName(), key.getPassphraseKey(), path + ".privateKeySecretRef.passphraseKey"));
        }
        add(found, endpoint.getCertificateSecretRef(), path + ".certificateSecretRef");
        add(found, endpoint.getPasswordSecretRef(), path + ".passwordSecretRef");
    }

    private static void add(List<Reference> found, SecretKeyRef ref, String field) {
        if (ref != null && ref.getName() != null && ref.getKey() != null) {
            found.add(new Reference(ref.getName(), ref.getKey(), field));
        }
    }

    public Set<String> secretNames() {
        Set<String> names = new TreeSet<>();
        references.forEach(r -> names.add(r.secretName()));
        return names;
    }

    /** Secret name → the first field that refers to it, for messages. */
    public Map<String, String> fieldBySecret() {
        Map<String, String> fields = new TreeMap<>();
        references.forEach(r -> fields.putIfAbsent(r.secretName(), r.field()));
        return fields;
    }

    /** Secret name → the keys used from it, both sorted so the pod spec is stable. */
    public Map<String, Set<String>> keysBySecret() {
        Map<String, Set<String>> keys = new TreeMap<>();
        references.forEach(r -> keys.computeIfAbsent(r.secretName(), n -> new TreeSet<>()).add(r.key()));
        return keys;
    }

    /**
     * The first reference that the given Secrets do not satisfy, with a message naming the Secret,
     * the key and the field; empty when every referenced key exists and is not empty.
     */
    public Optional<String> firstMissing(String namespace, Map<String, SecretKeyReads.KeyNames> secretsByName) {
        for (Reference ref : references) {
            SecretKeyReads.KeyNames secret = secretsByName.get(ref.secretName());
            if (secret == null) {
                return Optional.of("Secret " + namespace + "/" + ref.secretName() + " not found (referenced by "
                        + ref.field() + "); create it, the tunnel starts as soon as it exists");
            }
            if (secret.empty().contains(ref.key())) {
                return Optional.of("Secret " + namespace + "/" + ref.secretName() + " key \"" + ref.key()
                        + "\" is empty (referenced by " + ref.field() + ")");
            }
            if (!secret.filled().contains(ref.key())) {
                return Optional.of("Secret " + namespace + "/" + ref.secretName() + " has no key \"" + ref.key()
                        + "\" (referenced by " + ref.field() + ")");
            }
        }
        return Optional.empty();
    }
}
