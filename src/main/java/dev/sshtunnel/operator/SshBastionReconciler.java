package dev.sshtunnel.operator;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.BastionRef;
import dev.sshtunnel.api.v1alpha1.SshBastion;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.status.BastionStatusAggregator;
import dev.sshtunnel.operator.tenancy.Bastion;
import io.fabric8.kubernetes.api.model.Namespace;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
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
        var tunnels = new InformerEventSource<>(InformerEventSourceConfiguration.from(SshTunnel.class, SshBastion.class)
                .withName("bastion-tunnels")
                .withInformerListLimit(SshTunnelReconciler.LIST_PAGE)
                .withSecondaryToPrimaryMapper(t -> ref(t, BastionKind.SshBastion).map(r -> Set.of(new ResourceID(r.getName(), t.getMetadata().getNamespace()))).orElse(Set.<ResourceID>of()))
                .build(), context);
        return List.of(tunnels);
    }

    @Override
    public UpdateControl<SshBastion> reconcile(SshBastion bastion, Context<SshBastion> context) {
        return BastionReconciliation.reconcile(bastion, Bastion.of(bastion), context, aggregator);
    }

    private static Optional<BastionRef> ref(SshTunnel tunnel, BastionKind kind) {
        BastionRef ref = tunnel.getSpec() == null ? null : tunnel.getSpec().getBastionRef();
        return ref != null && ref.getKind() == kind ? Optional.of(ref) : Optional.empty();
    }
}
