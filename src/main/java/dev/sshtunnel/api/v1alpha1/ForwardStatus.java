package dev.sshtunnel.api.v1alpha1;

import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Size;

/** Live state of one forward, as the forwarder reports it at GET /status. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ForwardStatus {

    @JsonPropertyDescription("Name of the forward in spec.forwards.")
    @Size(max = SessionStatus.FIELD)
    private String name;

    @JsonPropertyDescription("Local, Remote or Dynamic.")
    private ForwardType type;

    @JsonPropertyDescription("Pending, Active, Standby (Remote: another replica holds the port; this one binds it when freed) or Failed.")
    private ForwardState state;

    @JsonPropertyDescription("Listening port (Local, Dynamic) or requested port on the server (Remote).")
    private Integer port;

    @JsonPropertyDescription("Remote only: the port the SSH server bound, the allocated one when port is 0.")
    private Integer boundPort;

    @JsonPropertyDescription("Remote only: the forwarder pod whose session holds the port on the server; the others wait as Standby.")
    @Size(max = 253)
    private String servingPod;

    @JsonPropertyDescription("Channels open now.")
    private Integer activeChannels;

    @JsonPropertyDescription("Channels opened since the forwarder started.")
    private Long totalChannels;

    @JsonPropertyDescription("Channels whose open failed (refused by the server or unreachable target).")
    private Long failedChannels;

    @JsonPropertyDescription("The last failure, prefixed with its reason; empty when none.")
    @Size(max = SessionStatus.MESSAGE)
    private String lastError;

    @JsonPropertyDescription("The reason of lastError, in the Ready condition's taxonomy (e.g. Unreachable); absent when there is no error.")
    // A newer forwarder may know a reason this operator does not: that reason is dropped, not the whole report.
    @JsonFormat(with = JsonFormat.Feature.READ_UNKNOWN_ENUM_VALUES_AS_NULL)
    private Reason reason;

    @JsonPropertyDescription("With spec.forwards[].probe: its state.")
    private ProbeStatus probe;

    public ProbeStatus getProbe() { return probe; }
    public void setProbe(ProbeStatus probe) { this.probe = probe; }
    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public ForwardType getType() { return type; }
    public void setType(ForwardType type) { this.type = type; }
    public ForwardState getState() { return state; }
    public void setState(ForwardState state) { this.state = state; }
    public Integer getPort() { return port; }
    public void setPort(Integer port) { this.port = port; }
    public Integer getBoundPort() { return boundPort; }
    public void setBoundPort(Integer boundPort) { this.boundPort = boundPort; }
    public String getServingPod() { return servingPod; }
    public void setServingPod(String servingPod) { this.servingPod = servingPod; }
    public Integer getActiveChannels() { return activeChannels; }
    public void setActiveChannels(Integer activeChannels) { this.activeChannels = activeChannels; }
    public Long getTotalChannels() { return totalChannels; }
    public void setTotalChannels(Long totalChannels) { this.totalChannels = totalChannels; }
    public Long getFailedChannels() { return failedChannels; }
    public void setFailedChannels(Long failedChannels) { this.failedChannels = failedChannels; }
    public String getLastError() { return lastError; }
    public void setLastError(String lastError) { this.lastError = lastError; }
    public Reason getReason() { return reason; }
    public void setReason(Reason reason) { this.reason = reason; }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof ForwardStatus that)) {
            return false;
        }
        return Objects.equals(name, that.name)
                && Objects.equals(type, that.type)
                && Objects.equals(state, that.state)
                && Objects.equals(port, that.port)
                && Objects.equals(boundPort, that.boundPort)
                && Objects.equals(servingPod, that.servingPod)
                && Objects.equals(activeChannels, that.activeChannels)
                && Objects.equals(totalChannels, that.totalChannels)
                && Objects.equals(failedChannels, that.failedChannels)
                && Objects.equals(lastError, that.lastError)
                && Objects.equals(reason, that.reason)
                && Objects.equals(probe, that.probe);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, state, port, boundPort, servingPod, activeChannels, totalChannels, failedChannels, lastError, reason, probe);
    }
}
