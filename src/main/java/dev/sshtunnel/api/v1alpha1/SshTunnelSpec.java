package dev.sshtunnel.api.v1alpha1;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!self.forwards.exists(f, f.type == 'Remote') || !has(self.replicas) || self.replicas <= 2",
        message = "replicas must be at most 2 while a Remote forward exists: one pod binds the remote port, the other waits as its standby",
        fieldPath = ".replicas", reason = "FieldValueInvalid")
@ValidationRule(value = "!self.forwards.exists(f, f.type == 'Remote' && f.port == 0) || !has(self.replicas) || self.replicas <= 1",
        message = "replicas must be 0 or 1 while a Remote forward has port 0: each session would get its own server-allocated port",
        fieldPath = ".replicas", reason = "FieldValueInvalid")
@ValidationRule(value = "has(self.ssh) != has(self.bastionRef)",
        message = "exactly one of ssh (the tunnel's own server and credentials) and bastionRef (a bastion the platform grants) must be set",
        reason = "FieldValueInvalid")
@ValidationRule(value = "!has(self.bastionRef) || self.forwards.all(f, f.type != 'Remote' || f.port != 0)",
        message = "a Remote forward on a bastion needs a fixed port: the bastion's port ledger allocates bindAddress:port",
        fieldPath = ".forwards", reason = "FieldValueInvalid")
public class SshTunnelSpec {

    @JsonPropertyDescription("The SSH server to connect to, its credentials and host key, and how the session is kept alive. "
            + "Exactly one of ssh and bastionRef.")
    private SshSpec ssh;

    @JsonPropertyDescription("A ClusterSshBastion or SshBastion to use instead of ssh: its server, key and host keys, which the "
            + "tunnel's namespace never sees. Exactly one of ssh and bastionRef.")
    private BastionRef bastionRef;

    /** Forwards of one tunnel; status.forwards has one entry per forward. */
    public static final int MAX_FORWARDS = 32;

    @Required
    @Size(min = 1, max = MAX_FORWARDS)
    @JsonPropertyDescription("The forwards carried by the session: Local (ssh -L), Remote (ssh -R) and Dynamic (ssh -D, SOCKS). At least one; names unique.")
    @ValidationRule(value = "self.all(f, self.exists_one(g, g.name == f.name))",
            message = "forward names must be unique", reason = "FieldValueDuplicate")
    @ValidationRule(value = "self.all(f, f.type == 'Remote' || self.exists_one(g, g.type != 'Remote' && g.port == f.port))",
            message = "two Local/Dynamic forwards cannot listen on the same port", reason = "FieldValueDuplicate")
    @ValidationRule(value = "self.all(f, f.type != 'Remote' || f.port == 0 || self.exists_one(g, g.type == 'Remote' && g.port == f.port"
            + " && (has(g.bindAddress) ? g.bindAddress : '" + ForwardSpec.DEFAULT_BIND_ADDRESS
            + "') == (has(f.bindAddress) ? f.bindAddress : '" + ForwardSpec.DEFAULT_BIND_ADDRESS + "')))",
            message = "two Remote forwards cannot bind the same bindAddress and port on the SSH server", reason = "FieldValueDuplicate")
    private List<ForwardSpec> forwards = new ArrayList<>();

    @JsonPropertyDescription("The Service that exposes the Local and Dynamic forwards. Not created when only Remote forwards exist.")
    private ServiceSpec service;

    @Default("1")
    @Min(0)
    @Max(10)
    @JsonPropertyDescription("Number of forwarder pods, each with its own SSH session. With Remote forwards at most 2 (one serves, the other is a warm standby that binds the port when the first lets go), and 0 or 1 while a Remote forward has port 0.")
    private Integer replicas;

    @Default("false")
    @JsonPropertyDescription("true scales the forwarder to zero and closes the SSH session; everything else is kept.")
    private Boolean suspend;

    @JsonPropertyDescription("How the forwarder pods run: image, resources and scheduling.")
    private ForwarderSpec forwarder;

    @JsonPropertyDescription("The NetworkPolicy of the forwarder pods (on by default).")
    private NetworkPolicySpec networkPolicy;

    public SshSpec getSsh() { return ssh; }
    public void setSsh(SshSpec ssh) { this.ssh = ssh; }
    public BastionRef getBastionRef() { return bastionRef; }
    public void setBastionRef(BastionRef bastionRef) { this.bastionRef = bastionRef; }
    public List<ForwardSpec> getForwards() { return forwards; }
    public void setForwards(List<ForwardSpec> forwards) { this.forwards = forwards; }
    public ServiceSpec getService() { return service; }
    public void setService(ServiceSpec service) { this.service = service; }
    public Integer getReplicas() { return replicas; }
    public void setReplicas(Integer replicas) { this.replicas = replicas; }
    public Boolean getSuspend() { return suspend; }
    public void setSuspend(Boolean suspend) { this.suspend = suspend; }
    public ForwarderSpec getForwarder() { return forwarder; }
    public void setForwarder(ForwarderSpec forwarder) { this.forwarder = forwarder; }
    public NetworkPolicySpec getNetworkPolicy() { return networkPolicy; }
    public void setNetworkPolicy(NetworkPolicySpec networkPolicy) { this.networkPolicy = networkPolicy; }

    /** The CRD's default for spec.replicas (its @Default above says the same to the API server). */
    public static final int DEFAULT_REPLICAS = 1;

    /** spec.replicas with the schema default applied (an object built in code may not have been through the API server). */
    public int effectiveReplicas() {
        return replicas == null ? DEFAULT_REPLICAS : replicas;
    }

    /** Some forward listens in the pod (Local or Dynamic), so the forwarder needs a Service; Remote forwards listen on the SSH server. */
    public boolean listensInPod() {
        return forwards.stream().anyMatch(ForwardSpec::listensInPod);
    }

    /** On unless spec.networkPolicy.enabled is false. */
    public boolean networkPolicyEnabled() {
        return networkPolicy == null || !Boolean.FALSE.equals(networkPolicy.getEnabled());
    }
}
