package dev.sshtunnel.operator;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/**
 * Watches the Secrets that tunnels refer to: a Secret that appears starts a tunnel waiting in
 * SecretNotFound, and a changed key rolls the forwarder pods (through the config hash).
 */
public final class ReferencedSecretsIndex {

    static final String INDEX = "sshtunnel.dev/referenced-secrets";
    public static final String EVENT_SOURCE = "referenced-secrets";

    private ReferencedSecretsIndex() {
    }

    public static InformerEventSource<Secret, SshTunnel> eventSource(EventSourceContext<SshTunnel> context) {
        context.getPrimaryCache().addIndexer(INDEX, tunnel -> SecretReferences.of(tunnel).secretNames().stream()
                .map(name -> indexKey(tunnel.getMetadata().getNamespace(), name))
                .toList());
        var configuration = InformerEventSourceConfiguration.from(Secret.class, SshTunnel.class)
                .withName(EVENT_SOURCE)
                .withSecondaryToPrimaryMapper(secret -> context.getPrimaryCache()
                        .byIndex(INDEX, indexKey(secret.getMetadata().getNamespace(), secret.getMetadata().getName()))
                        .stream()
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
                .withPrimaryToSecondaryMapper((SshTunnel tunnel) -> SecretReferences.of(tunnel).secretNames().stream()
                        .map(name -> new ResourceID(name, tunnel.getMetadata().getNamespace()))
                        .collect(Collectors.toSet()))
                .build();
        return new InformerEventSource<>(configuration, context);
    }

    /** The referenced Secrets that exist, by name. */
    public static Map<String, Secret> present(Context<SshTunnel> context) {
        Set<Secret> secrets = context.getSecondaryResources(Secret.class);
        Map<String, Secret> byName = new HashMap<>();
        secrets.forEach(s -> byName.put(s.getMetadata().getName(), s));
        return byName;
    }

    private static String indexKey(String namespace, String name) {
        return namespace + "/" + name;
    }
}
