package dev.sshtunnel.operator;

import java.util.List;
import java.util.Set;

import jakarta.inject.Inject;

import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.SshBastion;
import dev.sshtunnel.operator.observe.BastionTunnelsIndex;
import dev.sshtunnel.operator.status.BastionStatusAggregator;
import dev.sshtunnel.operator.tenancy.Bastion;
import dev.sshtunnel.operator.tenancy.BastionEventSources;
import dev.sshtunnel.operator.tenancy.WatchedNamespaces;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;

/**
 * SshBastion: checks its Secrets in its namespace and keeps its port ledger over that namespace's tunnels.
 * Connectivity is each tunnel's to report. Secrets are read by name at each reconcile, and at least once a minute, so a
 * Secret created later turns Ready within that minute.
 */
@ControllerConfiguration(name = "ssh-bastion", informer = @Informer(informerListLimit = SshTunnelReconciler.LIST_PAGE),
        maxReconciliationInterval = @MaxReconciliationInterval(interval = 60))
public class SshBastionReconciler implements Reconciler<SshBastion> {

    private final BastionStatusAggregator aggregator;
    private final String operatorNamespace;

    @Inject
    public SshBastionReconciler(BastionStatusAggregator aggregator, OperatorConfig config) {
        this.aggregator = aggregator;
        this.operatorNamespace = config.operatorNamespace();
    }

    @Override
    public List<EventSource<?, SshBastion>> prepareEventSources(EventSourceContext<SshBastion> context) {
        var tunnels = BastionTunnelsIndex.eventSource(context, SshBastion.class, Constants.SAME_AS_CONTROLLER_NAMESPACES_SET,
                t -> BastionEventSources.ref(t, BastionKind.SshBastion).map(r -> Set.of(new ResourceID(r.getName(), t.getMetadata().getNamespace()))).orElse(Set.<ResourceID>of()));
        return List.of(tunnels);
    }

    @Override
    public UpdateControl<SshBastion> reconcile(SshBastion bastion, Context<SshBastion> context) {
        // Its credentials namespace is its own, one this controller watches (the chart sets its namespaces).
        return BastionReconciliation.reconcile(bastion, Bastion.of(bastion), WatchedNamespaces.ALL, context, aggregator);
    }

}
