package dev.sshtunnel.operator;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;
import dev.sshtunnel.operator.dependent.ForwarderNetworkPolicyDependent;
import dev.sshtunnel.operator.dependent.ForwardsServiceDependent;
import dev.sshtunnel.operator.dependent.ForwarderDeploymentDependent;
import dev.sshtunnel.operator.dependent.TunnelConfigMapDependent;
import dev.sshtunnel.operator.dependent.conditions.ForwarderCanStart;
import dev.sshtunnel.operator.dependent.conditions.NetworkPolicyEnabled;
import dev.sshtunnel.operator.dependent.conditions.ServiceNeeded;
import dev.sshtunnel.operator.status.ConditionTypes;
import dev.sshtunnel.operator.status.SshTunnelStatusAggregator;
import dev.sshtunnel.operator.status.TunnelObservation;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;

/**
 * SshTunnel → ConfigMap (tunnel.yaml) + Deployment (forwarder) + Service (listening forwards).
 * The workflow keeps the dependents in shape; reconcile() only observes and writes status.
 */
@Workflow(dependents = {
        @Dependent(name = SshTunnelReconciler.CONFIG, type = TunnelConfigMapDependent.class),
        @Dependent(name = SshTunnelReconciler.FORWARDER, type = ForwarderDeploymentDependent.class,
                dependsOn = SshTunnelReconciler.CONFIG, reconcilePrecondition = ForwarderCanStart.class),
        @Dependent(name = SshTunnelReconciler.SERVICE, type = ForwardsServiceDependent.class,
                reconcilePrecondition = ServiceNeeded.class),
        @Dependent(name = SshTunnelReconciler.NETWORK_POLICY, type = ForwarderNetworkPolicyDependent.class,
                reconcilePrecondition = NetworkPolicyEnabled.class)
})
@ControllerConfiguration(name = "sshtunnel")
public class SshTunnelReconciler implements Reconciler<SshTunnel> {

    static final String CONFIG = "tunnel-config";
    static final String FORWARDER = "forwarder";
    static final String SERVICE = "service";
    static final String NETWORK_POLICY = "network-policy";
    private static final Logger LOG = Logger.getLogger(SshTunnelReconciler.class);

    private final SshTunnelStatusAggregator aggregator;
    private final TunnelEvents events;
    private final OperatorConfig config;
    private final ForwarderStatusReader statusReader;
    private final StatusWriteLimiter writeLimiter;

    private final TunnelMetrics metrics;

    @Inject
    public SshTunnelReconciler(KubernetesClient client, OperatorConfig config, TunnelMetrics metrics) {
        Clock clock = Clock.systemUTC();
        this.aggregator = new SshTunnelStatusAggregator(clock);
        this.events = new TunnelEvents(client, clock);
        this.config = config;
        this.metrics = metrics;
        this.statusReader = new ForwarderStatusReader(config.status().readTimeout());
        this.writeLimiter = new StatusWriteLimiter(config.status().minWriteInterval(), clock);
    }

    @Override
    public List<EventSource<?, SshTunnel>> prepareEventSources(EventSourceContext<SshTunnel> context) {
        metrics.bind(context.getPrimaryCache());
        return List.of(ReferencedSecretsIndex.eventSource(context), ForwarderPods.eventSource(context));
    }

    @Override
    public UpdateControl<SshTunnel> reconcile(SshTunnel tunnel, Context<SshTunnel> context) {
        Map<String, Secret> secrets = ReferencedSecretsIndex.present(context);
        TunnelObservation observation = new TunnelObservation(
                SpecConsistency.problem(tunnel),
                SecretReferences.of(tunnel).firstMissing(tunnel.getMetadata().getNamespace(), secrets),
                context.getSecondaryResource(Deployment.class),
                context.getSecondaryResource(Service.class).map(s -> s.getMetadata().getName()),
                statusReader.read(context.getSecondaryResources(Pod.class)));
        SshTunnelStatus status = aggregator.aggregate(tunnel, observation);
        Duration next = config.status().pollPeriod();
        if (!Objects.equals(status, tunnel.getStatus())) {
            ResourceID id = ResourceID.fromResource(tunnel);
            Duration wait = writeLimiter.waitBeforeWrite(id);
            if (wait.isZero()) {
                writeStatus(tunnel, status, context);
                writeLimiter.wrote(id);
            } else if (wait.compareTo(next) < 0) {
                next = wait;
            }
        }
        return UpdateControl.<SshTunnel>noUpdate().rescheduleAfter(next);
    }


    private void writeStatus(SshTunnel tunnel, SshTunnelStatus status, Context<SshTunnel> context) {
        Optional<Condition> before = readyOf(tunnel.getStatus());
        Condition after = readyOf(status).orElseThrow();
        PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(tunnel, context, fresh -> {
            fresh.setStatus(status);
            return fresh;
        });
        if (before.isEmpty() || !Objects.equals(before.get().getReason(), after.getReason())) {
            LOG.infof("SshTunnel %s/%s: %s (%s)", tunnel.getMetadata().getNamespace(), tunnel.getMetadata().getName(),
                    after.getReason(), after.getMessage());
            events.readyChanged(tunnel, Reason.valueOf(after.getReason()), after.getMessage());
        }
    }

    private static Optional<Condition> readyOf(SshTunnelStatus status) {
        return status == null ? Optional.empty()
                : status.getConditions().stream().filter(c -> ConditionTypes.READY.equals(c.getType())).findFirst();
    }
}
