package dev.sshtunnel.operator;

import java.util.HashMap;
import java.util.Map;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * The Secrets a tunnel refers to, read by name from the API server: no informer holds Secret data
 * ({@link ReferencedSecretsIndex} watches metadata only). Read once per reconcile — the workflow's
 * precondition, the Deployment's desired state and the status all ask — and dropped with it.
 */
public final class ReferencedSecrets {

    /** What one reconcile read, kept in its context. */
    private record Read(Map<String, Secret> byName) {
    }

    private ReferencedSecrets() {
    }

    /** The referenced Secrets that exist, by name. */
    public static Map<String, Secret> of(SshTunnel tunnel, Context<SshTunnel> context) {
        var shared = context.managedWorkflowAndDependentResourceContext();
        return shared.get(Read.class, Read.class).orElseGet(() -> {
            Read read = new Read(read(tunnel, context));
            shared.put(Read.class, read);
            return read;
        }).byName();
    }

    private static Map<String, Secret> read(SshTunnel tunnel, Context<SshTunnel> context) {
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
