package dev.sshtunnel.operator.status;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.PortAllocation;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshBastionStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * A bastion's status from what its reconcile found. Ready says whether tunnels can use it as far as the operator can
 * tell without connecting (spec and Secrets); whether its server answers, each tunnel's own status says.
 */
@Singleton
public class BastionStatusAggregator {

    private final Clock clock;

    @Inject
    public BastionStatusAggregator(Clock clock) {
        this.clock = clock;
    }

    /** {@code problem}: why tunnels cannot use it (a missing Secret, say), or empty. */
    public SshBastionStatus aggregate(HasMetadata bastion, SshBastionStatus previous, Optional<SpecHeldBack> problem,
            List<PortAllocation> ledger, int tunnels) {
        long generation = bastion.getMetadata().getGeneration() == null ? 0 : bastion.getMetadata().getGeneration();
        ConditionList conditions = new ConditionList(previous == null ? null : previous.getConditions(), generation, clock.instant());
        if (problem.isPresent()) {
            conditions.set(ConditionTypes.READY, ConditionList.FALSE, problem.get().reason().name(), problem.get().message());
        } else {
            conditions.set(ConditionTypes.READY, ConditionList.TRUE, Reason.Accepted.name(), "spec valid and every Secret present; "
                    + tunnels + (tunnels == 1 ? " tunnel uses" : " tunnels use") + " it");
        }
        SshBastionStatus status = new SshBastionStatus();
        status.setObservedGeneration(generation);
        status.setConditions(conditions.build());
        status.setTunnels(tunnels);
        status.setAllocations(List.copyOf(ledger));
        return status;
    }
}
