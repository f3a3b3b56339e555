package dev.sshtunnel.operator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;
import dev.sshtunnel.operator.dependent.ApplyFailure;
import dev.sshtunnel.operator.dependent.ForwarderDeploymentDependent;
import dev.sshtunnel.operator.dependent.ForwarderDisruptionBudgetDependent;
import dev.sshtunnel.operator.dependent.ForwarderNetworkPolicyDependent;
import dev.sshtunnel.operator.dependent.ForwardsServiceDependent;
import dev.sshtunnel.operator.dependent.PlacedForwarder;
import dev.sshtunnel.operator.dependent.TenantServiceDependent;
import dev.sshtunnel.operator.dependent.TunnelConfigMapDependent;
import dev.sshtunnel.operator.dependent.TunnelDocument;
import dev.sshtunnel.operator.dependent.conditions.DisruptionBudgetNeeded;
import dev.sshtunnel.operator.dependent.conditions.ForwarderCanStart;
import dev.sshtunnel.operator.dependent.conditions.NetworkPolicyEnabled;
import dev.sshtunnel.operator.dependent.conditions.ServiceNeeded;
import dev.sshtunnel.operator.dependent.conditions.TenantServiceNeeded;
import dev.sshtunnel.operator.gate.SpecGate;
import dev.sshtunnel.operator.observe.ChannelCounterWrites;
import dev.sshtunnel.operator.observe.ForwarderPods;
import dev.sshtunnel.operator.observe.ForwarderReplicaSets;
import dev.sshtunnel.operator.observe.ForwarderStatusPolling;
import dev.sshtunnel.operator.observe.ForwarderStatusReader;
import dev.sshtunnel.operator.observe.PodVolumeRefresh;
import dev.sshtunnel.operator.observe.SecretMetadataEventSource;
import dev.sshtunnel.operator.status.ConditionTypes;
import dev.sshtunnel.operator.status.ForwarderReport;
import dev.sshtunnel.operator.status.SpecHeldBack;
import dev.sshtunnel.operator.status.SshTunnelStatusAggregator;
import dev.sshtunnel.operator.status.StatusChange;
import dev.sshtunnel.operator.status.StatusWriteLimiter;
import dev.sshtunnel.operator.status.TunnelObservation;
import dev.sshtunnel.operator.tenancy.BastionEventSources;
import dev.sshtunnel.operator.tenancy.ResolvedTunnel;
import dev.sshtunnel.operator.tenancy.TunnelResolution;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;

/**
 * SshTunnel → ConfigMap (tunnel.yaml) + Deployment (forwarder) + Service (listening forwards)
 * + NetworkPolicy + PodDisruptionBudget (replicas &gt; 1).
 * The workflow keeps the dependents in shape; reconcile() only observes and writes status.
 */
@Workflow(dependents = {
        @Dependent(name = TunnelConfigMapDependent.WORKFLOW_NAME, type = TunnelConfigMapDependent.class,
                reconcilePrecondition = ForwarderCanStart.class),
        @Dependent(name = ForwarderDeploymentDependent.WORKFLOW_NAME, type = ForwarderDeploymentDependent.class,
                dependsOn = TunnelConfigMapDependent.WORKFLOW_NAME, reconcilePrecondition = ForwarderCanStart.class),
        @Dependent(name = ForwardsServiceDependent.WORKFLOW_NAME, type = ForwardsServiceDependent.class,
                reconcilePrecondition = ServiceNeeded.class),
        @Dependent(name = TenantServiceDependent.WORKFLOW_NAME, type = TenantServiceDependent.class,
                reconcilePrecondition = TenantServiceNeeded.class),
        @Dependent(name = ForwarderNetworkPolicyDependent.WORKFLOW_NAME, type = ForwarderNetworkPolicyDependent.class,
                reconcilePrecondition = NetworkPolicyEnabled.class),
        @Dependent(name = ForwarderDisruptionBudgetDependent.WORKFLOW_NAME, type = ForwarderDisruptionBudgetDependent.class,
                reconcilePrecondition = DisruptionBudgetNeeded.class)
})
@ControllerConfiguration(name = SshTunnelReconciler.NAME, informer = @Informer(informerListLimit = SshTunnelReconciler.LIST_PAGE))
public class SshTunnelReconciler implements Reconciler<SshTunnel>, Cleaner<SshTunnel> {

    /** The controller's name, which JOSDK also uses as its server-side-apply field manager. */
    public static final String NAME = "sshtunnel";
    /**
     * Objects per list request of every informer: a page of 20 objects near etcd's 1.5 MiB limit is at most
     * 30 MiB of JSON in flight, where one unpaged list of a namespace full of them would not fit the heap.
     */
    public static final long LIST_PAGE = 20;

    private static final Logger LOG = Logger.getLogger(SshTunnelReconciler.class);
    /** Long enough for the status write to reach the informer's cache, which the next rendering reads. */
    private static final Duration PIN_ACCEPTED_KEY = Duration.ofSeconds(1);
    private static final Duration STALE_RETRY = Duration.ofSeconds(2);

    private final SshTunnelStatusAggregator aggregator;
    private final TunnelEvents events;
    private final ForwarderStatusReader statusReader;
    private final OperatorConfig.Status statusConfig;
    private ForwarderStatusPolling polling;
    private ChannelCounterWrites counters;
    private final StatusWriteLimiter writeLimiter;

    private final TunnelMetrics metrics;
    private final SpecGate gate;
    private final PodVolumeRefresh volumeRefresh;
    private final TunnelResolution resolution;
    private final String operatorNamespace;

    @Inject
    public SshTunnelReconciler(OperatorConfig config, TunnelMetrics metrics, SpecGate gate, SshTunnelStatusAggregator aggregator,
            TunnelEvents events, PodVolumeRefresh volumeRefresh, ForwarderStatusReader statusReader, StatusWriteLimiter writeLimiter,
            TunnelResolution resolution) {
        this.resolution = resolution;
        this.operatorNamespace = config.operatorNamespace();
        this.gate = gate;
        this.aggregator = aggregator;
        this.events = events;
        this.volumeRefresh = volumeRefresh;
        this.metrics = metrics;
        this.statusReader = statusReader;
        this.statusConfig = config.status();
        this.writeLimiter = writeLimiter;
    }

    @Override
    public List<EventSource<?, SshTunnel>> prepareEventSources(EventSourceContext<SshTunnel> context) {
        metrics.bind(context.getPrimaryCache());
        var pods = ForwarderPods.eventSource(context);
        counters = new ChannelCounterWrites(context.getClient(), context.getPrimaryCache(), id -> polling.reportsOf(id),
                aggregator, writeLimiter);
        polling = new ForwarderStatusPolling(context, pods, statusReader, statusConfig, counters);
        var bastions = new BastionEventSources(context, operatorNamespace);
        List<EventSource<?, SshTunnel>> sources = new ArrayList<>(List.of(SecretMetadataEventSource.eventSource(context, bastions),
                pods, ForwarderReplicaSets.eventSource(context), polling));
        sources.addAll(bastions.all());
        return sources;
    }

    @Override
    public UpdateControl<SshTunnel> reconcile(SshTunnel tunnel, Context<SshTunnel> context) {
        if (polling.staleFor(tunnel)) {
            // The pods changed since their /status was read: that read is under way and triggers the next reconcile.
            return UpdateControl.<SshTunnel>noUpdate().rescheduleAfter(STALE_RETRY);
        }
        ResolvedTunnel resolved = resolution.of(tunnel, context);
        PlacedForwarder.removeStale(resolved, context);
        Optional<SshTunnel> running = runningDocument(resolved, context);
        running.map(document -> document.getMetadata().getGeneration())
                .ifPresent(generation -> volumeRefresh.nudge(context.getSecondaryResources(Pod.class), generation));
        SshTunnelStatus status = aggregate(resolved, observe(resolved, context, running, Optional.empty()));
        ResourceID id = ResourceID.fromResource(tunnel);
        counters.reconciled(id);
        if (Objects.equals(status, tunnel.getStatus())) {
            // Nothing to write; the next change arrives as an event (pods, Secrets, polled /status, the tunnel itself).
            return UpdateControl.noUpdate();
        }
        StatusChange change = StatusChange.between(tunnel.getStatus(), status);
        if (change == StatusChange.COUNTERS_ONLY) {
            // Counters have their own writer and schedule: no reconcile waits for them.
            counters.moved(id);
            return UpdateControl.noUpdate();
        }
        Duration wait = writeLimiter.waitBeforeWrite(id, change);
        if (!wait.isZero()) {
            return UpdateControl.<SshTunnel>noUpdate().rescheduleAfter(wait);
        }
        // Read before the write: the status update may be applied to this very object.
        String acceptedBefore = tunnel.getStatus() == null ? null : tunnel.getStatus().getAcceptedHostKeyFingerprint();
        writeStatus(tunnel, status, context);
        writeLimiter.wrote(id);
        String accepted = status.getAcceptedHostKeyFingerprint();
        if (accepted != null && !accepted.equals(acceptedBefore)) {
            // The ConfigMap was rendered before this status write: render it again to pin the key just accepted.
            return UpdateControl.<SshTunnel>noUpdate().rescheduleAfter(PIN_ACCEPTED_KEY);
        }
        return UpdateControl.noUpdate();
    }

    /**
     * A dependent failed (the API server refused a write): status says so in
     * SpecApplied (and in Ready while no forwarder runs) instead of keeping what it said before.
     * JOSDK retries with backoff; the next successful reconcile writes SpecApplied=True again.
     */
    @Override
    public ErrorStatusUpdateControl<SshTunnel> updateErrorStatus(SshTunnel tunnel, Context<SshTunnel> context, Exception e) {
        Optional<SpecHeldBack> failure = ApplyFailure.of(e);
        if (failure.isEmpty()) {
            // Not a dependent: the status write itself or a bug, which JOSDK logs; writing status would fail the same way.
            return ErrorStatusUpdateControl.noStatusUpdate();
        }
        ResolvedTunnel resolved = resolution.of(tunnel, context);
        SshTunnelStatus status = aggregate(resolved, observe(resolved, context, runningDocument(resolved, context), failure));
        if (!Objects.equals(status, tunnel.getStatus())) {
            writeStatus(tunnel, status, context);
            writeLimiter.wrote(ResourceID.fromResource(tunnel));
        }
        return ErrorStatusUpdateControl.noStatusUpdate();
    }

    /**
     * The finalizer: objects in a bastion's namespace cannot carry an owner reference to the tunnel, so they are removed
     * here (those in the tunnel's namespace go with their owner reference, as before).
     */
    @Override
    public DeleteControl cleanup(SshTunnel tunnel, Context<SshTunnel> context) {
        PlacedForwarder.removeElsewhere(tunnel, context);
        return DeleteControl.defaultDelete();
    }

    /** The status of the stored tunnel, judged on the tunnel as its pods run it (its bastion's spec.ssh in place). */
    private SshTunnelStatus aggregate(ResolvedTunnel resolved, TunnelObservation observation) {
        SshTunnel judged = resolved.rendered();
        if (judged != resolved.tunnel()) {
            judged = new SshTunnel();
            judged.setMetadata(resolved.tunnel().getMetadata());
            judged.setSpec(resolved.rendered().getSpec());
            judged.setStatus(resolved.tunnel().getStatus());
        }
        return aggregator.aggregate(judged, observation);
    }

    /** What the spec gate, the caches and the polled forwarders say; the gate's verdict first, else a failed apply. */
    private TunnelObservation observe(ResolvedTunnel resolved, Context<SshTunnel> context, Optional<SshTunnel> running,
            Optional<SpecHeldBack> applyFailure) {
        SshTunnel tunnel = resolved.tunnel();
        Optional<SpecHeldBack> heldBack = gate.heldBack(tunnel, context);
        Optional<Deployment> deployment = PlacedForwarder.deployment(resolved, context);
        Set<ReplicaSet> replicaSets = context.getSecondaryResources(ReplicaSet.class);
        Set<Pod> pods = context.getSecondaryResources(Pod.class);
        return new TunnelObservation(
                heldBack.isPresent() ? heldBack : applyFailure,
                deployment,
                running.map(SshTunnel::getSpec),
                tenantService(tunnel, context),
                reportsOf(context, ForwarderReplicaSets.deploymentPods(deployment, replicaSets, pods)),
                ForwarderReplicaSets.currentPods(deployment, replicaSets, pods));
    }

    /** The Service clients of the tunnel's namespace use: its own, or the alias of one in a bastion's namespace. */
    private static Optional<String> tenantService(SshTunnel tunnel, Context<SshTunnel> context) {
        return context.getSecondaryResources(Service.class).stream()
                .filter(s -> s.getMetadata().getNamespace().equals(tunnel.getMetadata().getNamespace())
                        && s.getMetadata().getName().equals(tunnel.getMetadata().getName()))
                .map(s -> s.getMetadata().getName())
                .findFirst();
    }

    /** The tunnel document in the forwarder's ConfigMap, which its pods run; empty when it is not there. */
    private static Optional<SshTunnel> runningDocument(ResolvedTunnel resolved, Context<SshTunnel> context) {
        return PlacedForwarder.config(resolved, context)
                .map(config -> config.getData() == null ? null : config.getData().get(TunnelDocument.FILE_NAME))
                .map(TunnelDocument::parse);
    }

    /**
     * The polled /status reports of the tunnel's running forwarder pods: those of its Deployment's
     * ReplicaSets, not any pod with its labels. Every pod follows the ConfigMap, so a pod of a ReplicaSet
     * being replaced still speaks for the tunnel; which generation each runs is in its report.
     */
    private static List<ForwarderReport> reportsOf(Context<SshTunnel> context, Set<String> forwarders) {
        return context.getSecondaryResources(ForwarderReport.class).stream()
                .filter(report -> forwarders.contains(report.podName()))
                .sorted(Comparator.comparing(ForwarderReport::podName))
                .toList();
    }

    private void writeStatus(SshTunnel tunnel, SshTunnelStatus status, Context<SshTunnel> context) {
        SshTunnelStatus before = tunnel.getStatus();
        PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(tunnel, context, fresh -> {
            fresh.setStatus(status);
            return fresh;
        });
        Optional<Condition> ready = changed(before, status, ConditionTypes.READY);
        Optional<Reason> readyBefore = conditionOf(before, ConditionTypes.READY).map(c -> Reason.valueOf(c.getReason()));
        ready.ifPresent(after -> {
            LOG.infof("SshTunnel %s/%s: %s (%s)", tunnel.getMetadata().getNamespace(), tunnel.getMetadata().getName(),
                    after.getReason(), after.getMessage());
            events.readyChanged(tunnel, readyBefore, Reason.valueOf(after.getReason()), after.getMessage());
        });
        // A spec held back while the forwarder runs leaves Ready as it is: the event tells why the edit is not applied.
        changed(before, status, ConditionTypes.SPEC_APPLIED)
                .filter(after -> !ConditionTypes.APPLIED.equals(after.getReason()))
                .filter(after -> ready.map(r -> !r.getReason().equals(after.getReason())).orElse(true))
                .ifPresent(after -> events.readyChanged(tunnel, readyBefore, Reason.valueOf(after.getReason()), after.getMessage()));
    }

    /** The condition of this type in {@code after} when its reason differs from {@code before}'s. */
    private static Optional<Condition> changed(SshTunnelStatus before, SshTunnelStatus after, String type) {
        Optional<Condition> now = conditionOf(after, type);
        Optional<Condition> then = conditionOf(before, type);
        return now.filter(c -> then.isEmpty() || !Objects.equals(then.get().getReason(), c.getReason()));
    }

    private static Optional<Condition> conditionOf(SshTunnelStatus status, String type) {
        return status == null ? Optional.empty()
                : status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }
}
