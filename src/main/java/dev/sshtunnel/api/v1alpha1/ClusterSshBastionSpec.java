package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A platform-owned bastion: its Secrets and its tunnels' pods stay in credentialsNamespace, out of tenants' reach. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClusterSshBastionSpec extends SshBastionSpec {

    @Size(min = 1, max = 63)
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    @JsonPropertyDescription("Namespace of the Secrets named in ssh and of the forwarder pods of every tunnel using this "
            + "bastion (default: the operator's namespace). Tenants need no access to it.")
    private String credentialsNamespace;

    @Required
    @JsonPropertyDescription("Which namespaces' tunnels may use this bastion.")
    private AllowedNamespaces allowedNamespaces;

    @JsonPropertyDescription("Serve type: LoadBalancer Services of loadBalancerClass sshtunnel.dev/ssh through this bastion: "
            + "a Remote forward per Service port, held by two forwarder pods (one serving, one on standby), and this "
            + "server's address as the Service's ingress. Absent: no Service is served through it.")
    private LoadBalancerSpec loadBalancer;

    public LoadBalancerSpec getLoadBalancer() { return loadBalancer; }
    public void setLoadBalancer(LoadBalancerSpec loadBalancer) { this.loadBalancer = loadBalancer; }
    public String getCredentialsNamespace() { return credentialsNamespace; }
    public void setCredentialsNamespace(String credentialsNamespace) { this.credentialsNamespace = credentialsNamespace; }
    public AllowedNamespaces getAllowedNamespaces() { return allowedNamespaces; }
    public void setAllowedNamespaces(AllowedNamespaces allowedNamespaces) { this.allowedNamespaces = allowedNamespaces; }
}
