package dev.sshtunnel.api.v1alpha1;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class NetworkPolicySpec {

    @Default("true")
    @JsonPropertyDescription("Create a NetworkPolicy for the forwarder pods (default true): ingress only on the forward ports "
            + "and the status port, egress only to SSH, DNS and Remote forward targets.")
    private Boolean enabled;

    @JsonPropertyDescription("Who may connect to the Local and Dynamic forwards. Default: pods in the tunnel's namespace. "
            + "The operator's namespace may always reach the status port.")
    private List<NetworkPolicyPeer> ingressFrom = new ArrayList<>();

    @JsonPropertyDescription("Where the forwarder may connect: its first TCP hop (spec.ssh.proxy when set, else the SSH server or first jump host) "
            + "when that host is a name, and "
            + "Remote forward targets that are names (NetworkPolicy peers, e.g. an ipBlock for the bastion's network and a "
            + "podSelector for in-cluster targets). An IP-literal host or target is allowed by itself (/32, /128). Default: "
            + "any address on those ports. DNS is always allowed to kube-system's DNS pods.")
    private List<NetworkPolicyPeer> egressTo = new ArrayList<>();

    public Boolean getEnabled() { return enabled; }
    public void setEnabled(Boolean enabled) { this.enabled = enabled; }
    public List<NetworkPolicyPeer> getIngressFrom() { return ingressFrom; }
    public void setIngressFrom(List<NetworkPolicyPeer> ingressFrom) { this.ingressFrom = ingressFrom; }
    public List<NetworkPolicyPeer> getEgressTo() { return egressTo; }
    public void setEgressTo(List<NetworkPolicyPeer> egressTo) { this.egressTo = egressTo; }
}
