package dev.sshtunnel.operator;

import java.util.HashMap;
import java.util.Map;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * The Secrets a tunnel refers to, read by name from the API server: no informer holds Secret data
 * ({@link ReferencedSecretsIndex} watches metadata only). Read for the {@link SpecGate}'s verdict,
 * which is kept for the rest of the reconcile, so once per reconcile.
 */
public final class ReferencedSecrets {

    private ReferencedSecrets() {
    }

    /** The referenced Secrets that exist, by name. */
    public static Map<String, Secret> of(SshTunnel tunnel, Context<SshTunnel> context) {
        String namespace = tunnel.getMetadata().getNamespace();
        Map<String, Secret> byName = new HashMap<>();
        for (String name : SecretReferences.of(tunnel).secretNames()) {
            Secret secret = context.getClient().secrets().inNamespace(namespace).withName(name).get();
            if (secret != null) {
                byName.put(name, secret);
            }
        }
        return Map.copyOf(byName);
    }
}
