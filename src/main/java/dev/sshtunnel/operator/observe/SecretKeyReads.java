package dev.sshtunnel.operator.observe;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.gate.TunnelGuardRails;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * Which keys of the Secrets a tunnel refers to hold a value. No informer holds Secret data
 * ({@link SecretMetadataEventSource} watches metadata only), so a Secret is read by name — but only when
 * the informer shows a resourceVersion not read before: what a version holds never changes, so the
 * verdict is kept per (namespace, name, resourceVersion), and a reconcile of an unchanged Secret's
 * tunnel asks the API server nothing (a label change is a new version too). Only key names and the
 * usable label are kept, never values. A name the informer does
 * not know does not exist (its creation is an informer event that reconciles the tunnel again).
 */
@Singleton
public class SecretKeyReads {

    /**
     * The key names of one Secret version: with a non-empty value, and present but empty; and whether it is
     * labelled sshtunnel.dev/usable: "true" (the guard rail inline-secrets-need-label asks).
     */
    public record KeyNames(Set<String> filled, Set<String> empty, boolean labelledUsable) {
        public KeyNames {
            filled = Set.copyOf(filled);
            empty = Set.copyOf(empty);
        }

        static KeyNames of(Secret secret) {
            Map<String, String> labels = secret.getMetadata().getLabels();
            boolean usable = labels != null && "true".equals(labels.get(TunnelGuardRails.USABLE_LABEL));
            Set<String> filled = new TreeSet<>();
            Set<String> empty = new TreeSet<>();
            for (Map<String, String> values : Arrays.asList(secret.getData(), secret.getStringData())) {
                if (values != null) {
                    values.forEach((key, value) -> (value == null || value.isEmpty() ? empty : filled).add(key));
                }
            }
            empty.removeAll(filled);
            return new KeyNames(filled, empty, usable);
        }
    }

    private record Read(String resourceVersion, KeyNames keys) {
    }

    private final Map<ResourceID, Read> reads = new ConcurrentHashMap<>();

    /**
     * The referenced Secrets that exist, by name, with their key names. {@code rendered}: the tunnel as its pods run it,
     * in the namespace its Secrets are read from (a bastion's credentials namespace for a tunnel on a ClusterSshBastion).
     */
    public Map<String, KeyNames> of(SshTunnel rendered, Context<SshTunnel> context) {
        String namespace = rendered.getMetadata().getNamespace();
        var index = (SecretMetadataEventSource) context.eventSourceRetriever().getEventSourceFor(Secret.class,
                SecretMetadataEventSource.EVENT_SOURCE);
        Map<String, String> versions = new HashMap<>();
        for (String name : SpecSecretRefs.of(rendered).secretNames()) {
            index.get(new ResourceID(name, namespace))
                    .ifPresent(s -> versions.put(name, s.getMetadata().getResourceVersion()));
        }
        return of(rendered, versions, name -> context.getClient().secrets().inNamespace(namespace).withName(name).get());
    }

    /** Uncached, for a bastion (its reconciles are few): the named Secrets of a namespace that exist, with their key names. */
    public static Map<String, KeyNames> read(Set<String> names, Function<String, Secret> get) {
        Map<String, KeyNames> byName = new HashMap<>();
        for (String name : names) {
            Secret secret = get.apply(name);
            if (secret != null) {
                byName.put(name, KeyNames.of(secret));
            }
        }
        return Map.copyOf(byName);
    }

    /**
     * {@code versions}: the informer's resourceVersion of each existing referenced Secret, by name;
     * {@code get}: reads one Secret from the API server (null when it is gone).
     */
    Map<String, KeyNames> of(SshTunnel tunnel, Map<String, String> versions, Function<String, Secret> get) {
        String namespace = tunnel.getMetadata().getNamespace();
        Map<String, KeyNames> byName = new HashMap<>();
        for (String name : SpecSecretRefs.of(tunnel).secretNames()) {
            ResourceID id = new ResourceID(name, namespace);
            String version = versions.get(name);
            if (version == null) {
                reads.remove(id);
                continue;
            }
            Read read = reads.get(id);
            if (read == null || !read.resourceVersion().equals(version)) {
                Secret secret = get.apply(name);
                if (secret == null) {
                    reads.remove(id);
                    continue;
                }
                read = new Read(secret.getMetadata().getResourceVersion(), KeyNames.of(secret));
                reads.put(id, read);
            }
            byName.put(name, read.keys());
        }
        return Map.copyOf(byName);
    }
}
