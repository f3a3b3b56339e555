package dev.sshtunnel.operator.observe;

import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import dev.sshtunnel.operator.SshTunnelReconciler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;

/**
 * The tunnels a bastion's reconciler reads, as much of them as its rules need: name, namespace, age, bastionRef and
 * forwards. Read through a client that skips the rest while parsing (spec.ssh, forwarder, service, network policy,
 * status, annotations, managed fields), so this second cache of every tunnel stays small next to the tunnel
 * controller's own: with a hundred tunnels near the API server's size limit a full copy did not fit the heap
 * (OperatorMemoryIT).
 */
public final class BastionTunnelsIndex<B extends HasMetadata> extends OwnClientInformer<SshTunnel, B> {

    static final String EVENT_SOURCE = "bastion-tunnels";

    private BastionTunnelsIndex(InformerEventSourceConfiguration<SshTunnel> configuration, EventSourceContext<B> context) {
        super(configuration, context);
    }

    /** {@code namespaces}: where the tunnels are watched, in JOSDK's form (e.g. the same as the bastion controller's). */
    public static <B extends HasMetadata> BastionTunnelsIndex<B> eventSource(EventSourceContext<B> context, Class<B> bastion,
            Set<String> namespaces, SecondaryToPrimaryMapper<SshTunnel> toBastion) {
        KubernetesClient summaries = PartialReads.skipping(context.getClient().getConfiguration(), Map.of(
                SshTunnel.class, WithoutStatus.class, SshTunnelSpec.class, SpecSummary.class, ObjectMeta.class, MetadataSummary.class));
        var configuration = InformerEventSourceConfiguration.from(SshTunnel.class, bastion)
                .withName(EVENT_SOURCE)
                .withNamespaces(namespaces)
                .withKubernetesClient(summaries)
                .withInformerListLimit(SshTunnelReconciler.LIST_PAGE)
                .withSecondaryToPrimaryMapper(toBastion)
                .build();
        return new BastionTunnelsIndex<>(configuration, context);
    }

    @JsonIgnoreProperties(value = {"status"}, ignoreUnknown = true)
    private abstract static class WithoutStatus {
    }

    @JsonIgnoreProperties(value = {"ssh", "forwarder", "service", "networkPolicy"}, ignoreUnknown = true)
    private abstract static class SpecSummary {
    }

    @JsonIgnoreProperties(value = {"annotations", "managedFields", "labels", "ownerReferences", "finalizers"}, ignoreUnknown = true)
    private abstract static class MetadataSummary {
    }
}
