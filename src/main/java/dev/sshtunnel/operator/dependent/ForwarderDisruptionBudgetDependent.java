package dev.sshtunnel.operator.dependent;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.SshTunnelReconciler;
import dev.sshtunnel.operator.tenancy.ResolvedTunnel;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * PodDisruptionBudget {@code <name>} while more than one forwarder pod runs (precondition
 * DisruptionBudgetNeeded): a node drain evicts the tunnel's pods one at a time, so one always
 * carries the forwards (or, with Remote forwards, holds the port while the other stands by).
 * maxUnavailable rather than minAvailable, so that a single pod (replicas 1) never blocks a drain:
 * with replicas 1 the budget is removed altogether. Pods that are Running but not Ready (a bastion that never
 * answers) may always be evicted: under the default IfHealthyBudget every eviction of them is refused with 429,
 * and one tenant's broken tunnel stalls kubectl drain, managed upgrades and the cluster autoscaler.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ForwarderLabels.MANAGED_SELECTOR,
        informerListLimit = SshTunnelReconciler.LIST_PAGE))
public class ForwarderDisruptionBudgetDependent extends KeptOnHeldBackSpec<PodDisruptionBudget> {

    /** Its name in SshTunnelReconciler's workflow. */
    public static final String WORKFLOW_NAME = "disruption-budget";

    public ForwarderDisruptionBudgetDependent() {
        super(PodDisruptionBudget.class);
    }

    @Override
    protected PodDisruptionBudget desired(SshTunnel primary, Context<SshTunnel> context) {
        ResolvedTunnel resolved = resolution.of(primary, context);
        SshTunnel tunnel = resolved.rendered();
        return new PodDisruptionBudgetBuilder()
                .withMetadata(PlacedObjects.metadata(resolved, tunnel.getMetadata().getName()))
                .withNewSpec()
                    .withMaxUnavailable(new IntOrString(1))
                    .withUnhealthyPodEvictionPolicy("AlwaysAllow")
                    .withNewSelector().withMatchLabels(ForwarderLabels.selector(tunnel)).endSelector()
                .endSpec()
                .build();
    }
}
