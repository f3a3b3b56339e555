package dev.sshtunnel.api.v1alpha1;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.port != 0 || self.type == 'Remote'",
        message = "port 0 (let the server allocate) is only allowed for Remote forwards; Local and Dynamic need a port 1-65535",
        fieldPath = ".port", reason = "FieldValueInvalid")
@ValidationRule(value = "self.type == 'Dynamic' || has(self.target)",
        message = "target is required for Local and Remote forwards", fieldPath = ".target", reason = "FieldValueRequired")
@ValidationRule(value = "self.type != 'Dynamic' || !has(self.target)",
        message = "target must not be set for Dynamic forwards: each SOCKS client names its own destination",
        fieldPath = ".target", reason = "FieldValueForbidden")
@ValidationRule(value = "self.type == 'Remote' || !has(self.bindAddress)",
        message = "bindAddress is only for Remote forwards (the address on the SSH server); Local and Dynamic listen on the Service",
        fieldPath = ".bindAddress", reason = "FieldValueForbidden")
@ValidationRule(value = "self.type == 'Remote' || !has(self.target) || !has(self.target.service)",
        message = "target.service is only for Remote forwards (the forwarder connects from the cluster); a Local target is "
                + "reached by the SSH server, which cannot resolve cluster names",
        fieldPath = ".target.service", reason = "FieldValueForbidden")
@ValidationRule(value = "self.type == 'Dynamic' || !has(self.protocols)",
        message = "protocols is only for Dynamic forwards: Local and Remote forwards carry bytes, not proxy requests",
        fieldPath = ".protocols", reason = "FieldValueForbidden")
@ValidationRule(value = "self.type != 'Dynamic' || !has(self.probe) || has(self.probe.connect)",
        message = "probe.connect is required for a Dynamic forward: SOCKS clients name their own destinations, the probe needs one",
        fieldPath = ".probe", reason = "FieldValueRequired")
@ValidationRule(value = "self.type == 'Dynamic' || !has(self.probe) || !has(self.probe.connect)",
        message = "probe.connect is only for Dynamic forwards: Local and Remote forwards probe their target",
        fieldPath = ".probe.connect", reason = "FieldValueForbidden")
public class ForwardSpec {

    public static final String DEFAULT_BIND_ADDRESS = "localhost";
    /** Far above what one forward serves in practice, and what the forwarder is measured to hold (docs/benchmarks.md). */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

    @Required
    @Size(min = 1, max = 15)
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    @ValidationRule(value = "self.matches('[a-z]') && !self.contains('--')",
            message = "name must contain a letter and no '--': it is used as the Service port name", reason = "FieldValueInvalid")
    @JsonPropertyDescription("Name of the forward: a DNS label of at most 15 characters, unique in the tunnel. "
            + "Used as the Service port name and in status and metrics.")
    private String name;

    @Required
    @JsonPropertyDescription("Local (ssh -L): Service port -> target, the SSH server connects to target. "
            + "Remote (ssh -R): port on the SSH server -> target, the forwarder connects to target from the cluster. "
            + "Dynamic (ssh -D): SOCKS proxy on the Service port.")
    private ForwardType type;

    @Size(min = 1, max = 253)
    @ValidationRule(value = HostName.RULE,
            message = "bindAddress must be a host name or IP address (0.0.0.0 or :: for every address), without quotes or spaces",
            reason = "FieldValueInvalid")
    @JsonPropertyDescription("Remote only: address the SSH server binds on (default localhost; the server's GatewayPorts "
            + "decides whether other addresses are honoured).")
    private String bindAddress;

    @Required
    @Min(0)
    @Max(65535)
    @JsonPropertyDescription("Local/Dynamic: the listening port of the Service and the pod (1-65535). "
            + "Remote: the port on the SSH server; 0 lets the server allocate one, reported as status.forwards[].boundPort.")
    private Integer port;

    @JsonPropertyDescription("Where connections go: for Local resolved by the SSH server, for Remote resolved in the cluster. "
            + "Not set for Dynamic.")
    private TargetSpec target;

    @Min(1)
    @Max(1_000_000)
    @JsonPropertyDescription("Most connections this forward holds at once, open or opening (default 10000). One more is "
            + "refused at once: Local and Dynamic close the client's connection, Remote refuses the server's channel; "
            + "status.forwards[].lastError says so.")
    private Integer maxConnections;

    @Min(1)
    @Max(604800)
    @JsonPropertyDescription("Close a connection once no byte has moved in either direction for this many seconds "
            + "(default: never, like ssh). A client that takes none of the bytes it is owed is closed after this long too, "
            + "or after 600 s when not set.")
    private Integer idleTimeoutSeconds;

    @JsonPropertyDescription("Probe the forward's path (absent: no probe). Local: a channel to the target through the "
            + "server; Remote: a connection from the pod to the target; Dynamic: a channel to probe.connect. The result is "
            + "status.forwards[].probe and the condition ForwardsReachable.")
    private ProbeSpec probe;

    @Size(min = 1, max = 2)
    @ValidationRule(value = "self.all(p, self.exists_one(q, q == p))", message = "protocols must not repeat a protocol",
            reason = "FieldValueDuplicate")
    @JsonPropertyDescription("Dynamic only: what the port speaks, told apart by each connection's first byte (default [SOCKS]). "
            + "SOCKS: SOCKS4, 4a and 5 without authentication. HTTPConnect: an HTTP proxy's CONNECT host:port, for clients "
            + "that only honour HTTPS_PROXY; other methods get 405.")
    private List<ForwardProtocol> protocols;

    public List<ForwardProtocol> getProtocols() { return protocols; }
    public void setProtocols(List<ForwardProtocol> protocols) { this.protocols = protocols; }

    /** protocols with its default: a Dynamic forward speaks SOCKS unless told more. */
    public List<ForwardProtocol> effectiveProtocols() {
        return protocols == null || protocols.isEmpty() ? List.of(ForwardProtocol.SOCKS) : List.copyOf(protocols);
    }

    public ProbeSpec getProbe() { return probe; }
    public void setProbe(ProbeSpec probe) { this.probe = probe; }
    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public ForwardType getType() { return type; }
    public void setType(ForwardType type) { this.type = type; }
    public String getBindAddress() { return bindAddress; }
    public void setBindAddress(String bindAddress) { this.bindAddress = bindAddress; }
    public Integer getPort() { return port; }
    public void setPort(Integer port) { this.port = port; }
    public TargetSpec getTarget() { return target; }
    public void setTarget(TargetSpec target) { this.target = target; }
    public Integer getMaxConnections() { return maxConnections; }
    public void setMaxConnections(Integer maxConnections) { this.maxConnections = maxConnections; }
    public Integer getIdleTimeoutSeconds() { return idleTimeoutSeconds; }
    public void setIdleTimeoutSeconds(Integer idleTimeoutSeconds) { this.idleTimeoutSeconds = idleTimeoutSeconds; }

    /** See {@link ForwardType#listensInPod()}; a forward without a type is refused by the schema before this matters. */
    public boolean listensInPod() {
        return type == null || type.listensInPod();
    }

    /** The address a Remote forward binds on the SSH server when none is given. */
    public String effectiveBindAddress() {
        return bindAddress == null || bindAddress.isBlank() ? DEFAULT_BIND_ADDRESS : bindAddress;
    }

    public int effectiveMaxConnections() {
        return maxConnections == null ? DEFAULT_MAX_CONNECTIONS : maxConnections;
    }
}
