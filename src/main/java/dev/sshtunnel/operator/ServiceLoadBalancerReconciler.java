package dev.sshtunnel.operator;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.ClusterSshBastion;
import dev.sshtunnel.api.v1alpha1.LoadBalancerSpec;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.dependent.LoadBalancerTunnelDependent;
import dev.sshtunnel.operator.dependent.conditions.LoadBalancerTunnelWanted;
import dev.sshtunnel.operator.loadbalancer.LoadBalancerBastions;
import dev.sshtunnel.operator.loadbalancer.LoadBalancerClaim;
import dev.sshtunnel.operator.loadbalancer.LoadBalancerClaim.Refusal;
import dev.sshtunnel.operator.status.LoadBalancerStatusAggregator;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnAddFilter;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/**
 * {@code type: LoadBalancer} Services of class sshtunnel.dev/ssh → one generated SshTunnel each (the workflow), and the
 * Service's status from that tunnel: the bastion's address as its ingress while every port is served, the condition
 * {@value LoadBalancerStatusAggregator#CONDITION}, and events on the Service when its reason changes. Every other Service
 * is filtered out before it reaches this controller and never written.
 */
@Workflow(dependents = @Dependent(name = LoadBalancerTunnelDependent.WORKFLOW_NAME, type = LoadBalancerTunnelDependent.class,
        reconcilePrecondition = LoadBalancerTunnelWanted.class))
@ControllerConfiguration(name = ServiceLoadBalancerReconciler.NAME, generationAwareEventProcessing = false,
        informer = @Informer(informerListLimit = ServiceLoadBalancerReconciler.LIST_PAGE,
                onAddFilter = ServiceLoadBalancerReconciler.Claimed.class,
                onUpdateFilter = ServiceLoadBalancerReconciler.ClaimedBeforeOrAfter.class))
public class ServiceLoadBalancerReconciler implements Reconciler<Service> {

    public static final String NAME = "load-balancer";
    /** The field manager of the Service status the operator applies: the ingress and its condition, nothing else. */
    static final String STATUS_MANAGER = "sshtunnel-operator-load-balancer";
    public static final long LIST_PAGE = SshTunnelReconciler.LIST_PAGE;
    private static final String BASTIONS = "load-balancer-bastions";
    private static final Logger LOG = Logger.getLogger(ServiceLoadBalancerReconciler.class);

    private final TunnelEvents events;
    private final Clock clock;
    private final Duration grace;

    @Inject
    public ServiceLoadBalancerReconciler(TunnelEvents events, Clock clock, OperatorConfig config) {
        this.events = events;
        this.clock = clock;
        this.grace = config.loadBalancer().ingressGrace();
    }

    public static final class Claimed implements OnAddFilter<Service> {
        @Override
        public boolean accept(Service service) {
            return LoadBalancerClaim.claims(service);
        }
    }

    /** A Service that leaves the class (its type changed) is seen once more, to remove its tunnel and status. */
    public static final class ClaimedBeforeOrAfter implements OnUpdateFilter<Service> {
        @Override
        public boolean accept(Service now, Service before) {
            return LoadBalancerClaim.claims(now) || LoadBalancerClaim.claims(before);
        }
    }

    @Override
    public List<EventSource<?, Service>> prepareEventSources(EventSourceContext<Service> context) {
        // Any bastion change may move any claimed Service: a default marked or unmarked, an address or grant changed.
        var bastions = new InformerEventSource<>(InformerEventSourceConfiguration.from(ClusterSshBastion.class, Service.class)
                .withName(BASTIONS)
                .withInformerListLimit(LIST_PAGE)
                .withSecondaryToPrimaryMapper(b -> context.getPrimaryCache().list(LoadBalancerClaim::claims)
                        .map(ResourceID::fromResource).collect(Collectors.toSet()))
                .build(), context);
        return List.of(bastions);
    }

    /** The bastion serving a claimed Service, or why none does, from the bastion informer's cache. */
    public static LoadBalancerBastions.Choice choice(Service service, Context<Service> context) {
        var source = (InformerEventSource<ClusterSshBastion, Service>) context.eventSourceRetriever()
                .getEventSourceFor(ClusterSshBastion.class, BASTIONS);
        List<ClusterSshBastion> bastions = source.list().toList();
        return LoadBalancerBastions.choose(service, bastions);
    }

    /** Why a claimed Service gets no tunnel: its ports, or its bastion. */
    public static Optional<Refusal> refusal(Service service, Context<Service> context) {
        return refusal(service, choice(service, context));
    }

    private static Optional<Refusal> refusal(Service service, LoadBalancerBastions.Choice choice) {
        return LoadBalancerClaim.refusal(service).or(() -> Optional.ofNullable(choice.refusal()));
    }

    @Override
    public UpdateControl<Service> reconcile(Service service, Context<Service> context) {
        if (service.getMetadata().getDeletionTimestamp() != null) {
            return UpdateControl.noUpdate(); // its tunnel goes with it (owner reference)
        }
        if (!LoadBalancerClaim.claims(service)) {
            release(service, context);
            return UpdateControl.noUpdate();
        }
        LoadBalancerBastions.Choice choice = choice(service, context);
        Optional<Refusal> refusal = refusal(service, choice);
        Optional<LoadBalancerSpec> loadBalancer = Optional.ofNullable(choice.bastion()).map(b -> b.getSpec().getLoadBalancer());
        Optional<SshTunnel> tunnel = refusal.isPresent() ? Optional.empty() : context.getSecondaryResource(SshTunnel.class);
        var desired = LoadBalancerStatusAggregator.of(service, refusal, loadBalancer, tunnel, clock.instant(), grace);
        if (!desired.matches(service)) {
            Optional<Reason> before = LoadBalancerStatusAggregator.conditionOf(service).flatMap(c -> Reason.named(c.getReason()));
            apply(service, desired.ingress(), Optional.of(desired.condition()), context);
            if (before.filter(desired.reason()::equals).isEmpty()) {
                events.readyChanged(service, before, desired.reason(), desired.condition().getMessage());
            }
        }
        return desired.recheck().map(after -> UpdateControl.<Service>noUpdate().rescheduleAfter(after)).orElse(UpdateControl.noUpdate());
    }

    /** A Service no longer of the class: what the operator wrote in its status goes (its tunnel goes with the workflow). */
    private void release(Service service, Context<Service> context) {
        if (LoadBalancerStatusAggregator.conditionOf(service).isPresent()) {
            apply(service, List.of(), Optional.empty(), context);
        }
    }

    /**
     * Server-side apply of the status fields this controller owns: an ingress list or condition left out is removed, and
     * no other field (another controller's condition) is touched.
     */
    private void apply(Service service, List<LoadBalancerIngress> ingress, Optional<Condition> condition,
            Context<Service> context) {
        Service status = new ServiceBuilder()
                // The version this status was computed from: a stale one is refused with 409, not applied over a newer spec.
                .withNewMetadata().withName(service.getMetadata().getName()).withNamespace(service.getMetadata().getNamespace())
                    .withResourceVersion(service.getMetadata().getResourceVersion()).endMetadata()
                .withNewStatus()
                    .withNewLoadBalancer().withIngress(ingress).endLoadBalancer()
                    .withConditions(condition.map(List::of).orElse(List.of()))
                .endStatus()
                .build();
        try {
            context.getClient().services().inNamespace(service.getMetadata().getNamespace()).withName(service.getMetadata().getName())
                    .subresource("status")
                    .patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY).withFieldManager(STATUS_MANAGER)
                            .withForce(true).build(), status);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404 || e.getCode() == 409) {
                return; // deleted meanwhile (its tunnel goes with it), or changed: the change's own event reconciles it again
            }
            LOG.warnf("could not write the status of Service %s/%s: %s", service.getMetadata().getNamespace(),
                    service.getMetadata().getName(), e.getMessage());
            throw e;
        }
    }
}
