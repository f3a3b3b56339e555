package dev.sshtunnel.operator;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.ClusterSshBastion;
import dev.sshtunnel.operator.observe.BastionTunnelsIndex;
import dev.sshtunnel.operator.status.BastionStatusAggregator;
import dev.sshtunnel.operator.tenancy.Bastion;
import dev.sshtunnel.operator.tenancy.BastionEventSources;
import dev.sshtunnel.operator.tenancy.WatchedNamespaces;
import io.fabric8.kubernetes.api.model.Namespace;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/**
 * ClusterSshBastion: checks its Secrets in its credentials namespace and keeps its port ledger over the tunnels of every granted namespace.
 * Every release of the operator runs it and computes the same ledger and count (it reads every tunnel); only a release
 * watching the credentials namespace can check the Secrets, see {@link BastionReconciliation#keepingReadyOfThisGeneration}.
 * Connectivity is each tunnel's to report. Secrets are read by name at each reconcile, and at least once a minute, so a
 * Secret created later turns Ready within that minute.
 */
@ControllerConfiguration(name = "cluster-ssh-bastion", informer = @Informer(informerListLimit = SshTunnelReconciler.LIST_PAGE),
        maxReconciliationInterval = @MaxReconciliationInterval(interval = 60))
public class ClusterSshBastionReconciler implements Reconciler<ClusterSshBastion> {

    private final BastionStatusAggregator aggregator;
    private final String operatorNamespace;
    private final WatchedNamespaces watched;

    @Inject
    public ClusterSshBastionReconciler(BastionStatusAggregator aggregator, OperatorConfig config) {
        this.aggregator = aggregator;
        this.operatorNamespace = config.operatorNamespace();
        this.watched = WatchedNamespaces.of(config.watchNamespaces());
    }

    @Override
    public List<EventSource<?, ClusterSshBastion>> prepareEventSources(EventSourceContext<ClusterSshBastion> context) {
        // This controller's primaries are cluster-scoped, so it watches at cluster scope, and so are the tunnels it reads,
        // whatever watchNamespaces says: releases sharding the cluster share a ClusterSshBastion, and its ledger and count
        // are only the same in every release when every release sees every tunnel on it (read-only, summaries only: the
        // chart's ClusterRole grants list/watch on sshtunnels; docs/operations.md, "Sharding across releases").
        var tunnels = BastionTunnelsIndex.eventSource(context, ClusterSshBastion.class, Constants.WATCH_ALL_NAMESPACE_SET,
                t -> BastionEventSources.ref(t, BastionKind.ClusterSshBastion).map(r -> Set.of(new ResourceID(r.getName()))).orElse(Set.<ResourceID>of()));
        // A namespace relabelled changes which tunnels a bastion grants: every ClusterSshBastion recomputes its ledger.
        var namespaces = new InformerEventSource<>(InformerEventSourceConfiguration.from(Namespace.class, ClusterSshBastion.class)
                .withName("bastion-namespaces")
                .withInformerListLimit(SshTunnelReconciler.LIST_PAGE)
                .withSecondaryToPrimaryMapper(n -> context.getPrimaryCache().list().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .build(), context);
        return List.of(tunnels, namespaces);
    }

    @Override
    public UpdateControl<ClusterSshBastion> reconcile(ClusterSshBastion bastion, Context<ClusterSshBastion> context) {
        return BastionReconciliation.reconcile(bastion, Bastion.of(bastion, operatorNamespace), watched, context, aggregator);
    }

}
