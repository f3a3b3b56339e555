package dev.sshtunnel.api.v1alpha1;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;

/** Written only by the operator: Deployment and Pod state folded with the forwarders' live /status. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SshTunnelStatus {

    @JsonPropertyDescription("metadata.generation this status was computed for.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready, Connected and ForwardsReady (standard metav1.Condition shape). "
            + "The Ready reason is the STATUS column.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("Active forwards out of all forwards, e.g. 2/3.")
    @Size(max = 16)
    private String readyForwards;

    @JsonPropertyDescription("Channels open now, summed over ready forwarder pods.")
    private Integer activeChannels;

    @JsonPropertyDescription("Name of the Service exposing Local and Dynamic forwards.")
    @Size(max = 253)
    private String serviceName;

    @JsonPropertyDescription("Forwarder pods that are ready.")
    private Integer readyReplicas;

    @JsonPropertyDescription("The SSH session, as the forwarder reports it.")
    private SessionStatus session;

    @JsonPropertyDescription("With spec.ssh.sessions above 1: each SSH session of the forwarder pod that 'session' "
            + "describes, in order, with the channels open on it. 'session' is then Connected while any of them is.")
    @Size(max = SshSpec.MAX_SESSIONS)
    private List<SessionStatus> sessions;

    @JsonPropertyDescription("Each forward, as the forwarder reports it.")
    @Size(max = SshTunnelSpec.MAX_FORWARDS)
    private List<ForwardStatus> forwards = new ArrayList<>();

    @JsonPropertyDescription("Suggested options for this tunnel's key in the SSH server's authorized_keys, limiting "
            + "it to the forwards in spec and refusing every command: put them before the public key on its line. Dynamic "
            + "forwards choose their targets at run time, so a tunnel with one gets no permitopen.")
    @Size(max = 32768) // permitopen/permitlisten of at most 32 forwards with 253-character hosts: under 10 KiB
    private String authorizedKeysOptions;

    @JsonPropertyDescription("With spec.ssh.hostKey.policy AcceptNew: the fingerprint of the host key the first forwarder "
            + "accepted (OpenSSH's accept-new). The operator pins it in the forwarders' tunnel.yaml, so every later pod, "
            + "restart and replica is Strict against it and another key is HostKeyMismatch. Cleared when the policy is "
            + "no longer AcceptNew; to accept a rotated key, list it in knownHosts or fingerprints.")
    @Size(max = SessionStatus.FIELD)
    private String acceptedHostKeyFingerprint;

    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
    public String getReadyForwards() { return readyForwards; }
    public void setReadyForwards(String readyForwards) { this.readyForwards = readyForwards; }
    public Integer getActiveChannels() { return activeChannels; }
    public void setActiveChannels(Integer activeChannels) { this.activeChannels = activeChannels; }
    public String getServiceName() { return serviceName; }
    public void setServiceName(String serviceName) { this.serviceName = serviceName; }
    public Integer getReadyReplicas() { return readyReplicas; }
    public void setReadyReplicas(Integer readyReplicas) { this.readyReplicas = readyReplicas; }
    public SessionStatus getSession() { return session; }
    public void setSession(SessionStatus session) { this.session = session; }
    public List<SessionStatus> getSessions() { return sessions; }
    public void setSessions(List<SessionStatus> sessions) { this.sessions = sessions; }
    public List<ForwardStatus> getForwards() { return forwards; }
    public void setForwards(List<ForwardStatus> forwards) { this.forwards = forwards; }
    public String getAuthorizedKeysOptions() { return authorizedKeysOptions; }
    public void setAuthorizedKeysOptions(String authorizedKeysOptions) { this.authorizedKeysOptions = authorizedKeysOptions; }
    public String getAcceptedHostKeyFingerprint() { return acceptedHostKeyFingerprint; }
    public void setAcceptedHostKeyFingerprint(String acceptedHostKeyFingerprint) { this.acceptedHostKeyFingerprint = acceptedHostKeyFingerprint; }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof SshTunnelStatus that)) {
            return false;
        }
        return Objects.equals(observedGeneration, that.observedGeneration)
                && Objects.equals(conditions, that.conditions)
                && Objects.equals(readyForwards, that.readyForwards)
                && Objects.equals(activeChannels, that.activeChannels)
                && Objects.equals(serviceName, that.serviceName)
                && Objects.equals(readyReplicas, that.readyReplicas)
                && Objects.equals(session, that.session)
                && Objects.equals(sessions, that.sessions)
                && Objects.equals(forwards, that.forwards)
                && Objects.equals(authorizedKeysOptions, that.authorizedKeysOptions)
                && Objects.equals(acceptedHostKeyFingerprint, that.acceptedHostKeyFingerprint);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, conditions, readyForwards, activeChannels, serviceName, readyReplicas, session, sessions,
                forwards, authorizedKeysOptions, acceptedHostKeyFingerprint);
    }
}
