package dev.sshtunnel.operator.observe;

import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.SshTunnelReconciler;
import dev.sshtunnel.operator.tenancy.BastionEventSources;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * Tells which tunnels to reconcile when a Secret changes: a Secret that appears starts a tunnel
 * waiting in SecretNotFound, and a changed Secret is re-checked (a key it lost is SecretNotFound; the
 * pods themselves follow the Secret through their volume).
 * <p>
 * It watches the metadata of Secrets only, never their data: the informer has to see every Secret a
 * tunnel may name, and a full informer held the data of every Secret in the cluster in memory. The
 * cache keeps namespace, name, uid and resourceVersion, not annotations, which can hold the whole
 * Secret (kubectl apply's last-applied-configuration). What a reconcile needs of the referenced
 * Secrets it reads by name ({@link SecretKeyReads}).
 */
public final class SecretMetadataEventSource extends OwnClientInformer<Secret, SshTunnel> {

    static final String INDEX = "sshtunnel.dev/referenced-secrets";
    public static final String EVENT_SOURCE = "referenced-secrets";

    private SecretMetadataEventSource(InformerEventSourceConfiguration<Secret> configuration,
            EventSourceContext<SshTunnel> context) {
        super(configuration, context);
    }

    /** {@code bastions}: a bastion's Secret reconciles the tunnels on it as well. */
    public static SecretMetadataEventSource eventSource(EventSourceContext<SshTunnel> context, BastionEventSources bastions) {
        context.getPrimaryCache().addIndexer(INDEX, tunnel -> SpecSecretRefs.of(tunnel).secretNames().stream()
                .map(name -> indexKey(tunnel.getMetadata().getNamespace(), name))
                .toList());
        // Only its identity is kept, skipped while parsing (labels, annotations, owners...): not in an item store, which
        // JOSDK shares between the per-namespace informers of watchNamespaces, so one namespace's relist emptied the
        // others' (a bastion's Secret in its credentials namespace went missing for its tunnels: WatchNamespacesIT).
        KubernetesClient metadataOnly = MetadataOnlyClient.of(context.getClient().getConfiguration(),
                Map.of(ObjectMeta.class, IdentityOnly.class));
        var configuration = InformerEventSourceConfiguration.from(Secret.class, SshTunnel.class)
                .withName(EVENT_SOURCE)
                .withKubernetesClient(metadataOnly)
                .withInformerListLimit(SshTunnelReconciler.LIST_PAGE)
                .withSecondaryToPrimaryMapper(secret -> Stream.concat(context.getPrimaryCache()
                        .byIndex(INDEX, indexKey(secret.getMetadata().getNamespace(), secret.getMetadata().getName()))
                        .stream()
                        .map(ResourceID::fromResource),
                        bastions.tunnelsUsingSecret(secret.getMetadata().getNamespace(), secret.getMetadata().getName()).stream())
                        .collect(Collectors.toSet()))
                .withPrimaryToSecondaryMapper((SshTunnel tunnel) -> SpecSecretRefs.of(tunnel).secretNames().stream()
                        .map(name -> new ResourceID(name, tunnel.getMetadata().getNamespace()))
                        .collect(Collectors.toSet()))
                .build();
        return new SecretMetadataEventSource(configuration, context);
    }

    /** What the cache keeps of a Secret: enough to map it to tunnels and to notice a new version. */
    @JsonIgnoreProperties(value = {"annotations", "labels", "managedFields", "ownerReferences", "finalizers", "generateName",
            "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink"}, ignoreUnknown = true)
    private abstract static class IdentityOnly {
    }

    private static String indexKey(String namespace, String name) {
        return namespace + "/" + name;
    }
}
