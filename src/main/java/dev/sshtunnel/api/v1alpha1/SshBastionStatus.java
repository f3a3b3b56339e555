package dev.sshtunnel.api.v1alpha1;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;

/** Written only by the operator. Connectivity is each tunnel's to report; the bastion reports its own spec and Secrets. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SshBastionStatus {

    /** Remote binds one bastion tracks: ports 1-65535 on a few addresses is far more than any server grants. */
    public static final int MAX_ALLOCATIONS = 1024;

    @JsonPropertyDescription("metadata.generation this status was computed for.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready: the spec is valid and every Secret it names is present.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("Tunnels using this bastion now.")
    private Integer tunnels;

    @JsonPropertyDescription("The port ledger: which tunnel holds each bindAddress:port of a Remote forward on the server. "
            + "The first tunnel to ask keeps it; a later one gets PortConflict naming the holder.")
    @Size(max = MAX_ALLOCATIONS)
    private List<PortAllocation> allocations = new ArrayList<>();

    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
    public Integer getTunnels() { return tunnels; }
    public void setTunnels(Integer tunnels) { this.tunnels = tunnels; }
    public List<PortAllocation> getAllocations() { return allocations; }
    public void setAllocations(List<PortAllocation> allocations) { this.allocations = allocations; }

    @Override
    public boolean equals(Object o) {
        return o instanceof SshBastionStatus other && Objects.equals(observedGeneration, other.observedGeneration)
                && Objects.equals(conditions, other.conditions) && Objects.equals(tunnels, other.tunnels)
                && Objects.equals(allocations, other.allocations);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, conditions, tunnels, allocations);
    }
}
