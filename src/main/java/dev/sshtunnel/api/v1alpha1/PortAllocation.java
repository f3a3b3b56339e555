package dev.sshtunnel.api.v1alpha1;

import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Size;

/** One entry of a bastion's port ledger: who holds a bindAddress:port on its server. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PortAllocation {

    @Size(max = 63)
    @JsonPropertyDescription("Namespace of the tunnel holding the bind.")
    private String namespace;

    @Size(max = 253)
    @JsonPropertyDescription("The tunnel holding the bind.")
    private String tunnel;

    @Size(max = 15)
    @JsonPropertyDescription("The tunnel's Remote forward.")
    private String forward;

    @Size(max = 253)
    @JsonPropertyDescription("The bind address on the server.")
    private String bindAddress;

    @JsonPropertyDescription("The port on the server.")
    private Integer port;

    public PortAllocation() {
    }

    public PortAllocation(String namespace, String tunnel, String forward, String bindAddress, int port) {
        this.namespace = namespace;
        this.tunnel = tunnel;
        this.forward = forward;
        this.bindAddress = bindAddress;
        this.port = port;
    }

    /** The tunnel this entry belongs to, as namespace/name. */
    public String holder() {
        return namespace + "/" + tunnel;
    }

    public boolean sameBind(PortAllocation other) {
        return Objects.equals(bindAddress, other.bindAddress) && Objects.equals(port, other.port);
    }

    public boolean sameHolder(PortAllocation other) {
        return Objects.equals(namespace, other.namespace) && Objects.equals(tunnel, other.tunnel)
                && Objects.equals(forward, other.forward);
    }

    public String getNamespace() { return namespace; }
    public void setNamespace(String namespace) { this.namespace = namespace; }
    public String getTunnel() { return tunnel; }
    public void setTunnel(String tunnel) { this.tunnel = tunnel; }
    public String getForward() { return forward; }
    public void setForward(String forward) { this.forward = forward; }
    public String getBindAddress() { return bindAddress; }
    public void setBindAddress(String bindAddress) { this.bindAddress = bindAddress; }
    public Integer getPort() { return port; }
    public void setPort(Integer port) { this.port = port; }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortAllocation other && sameHolder(other) && sameBind(other);
    }

    @Override
    public int hashCode() {
        return Objects.hash(namespace, tunnel, forward, bindAddress, port);
    }

    @Override
    public String toString() {
        return holder() + "/" + forward + " " + bindAddress + ":" + port;
    }
}
