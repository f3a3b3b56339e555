package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;

/** A bastion's server and what tunnels may do through it; ClusterSshBastionSpec adds where and for whom. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SshBastionSpec {

    @Required
    @JsonPropertyDescription("The SSH server, exactly as an SshTunnel's spec.ssh: host, port, user, key/certificate/password "
            + "Secrets (in the bastion's credentials namespace), host key, jump hosts, outbound proxy, keepalive, reconnect, sessions.")
    private SshSpec ssh;

    @JsonPropertyDescription("What Remote forwards may bind on the server. Absent: no Remote forward may use this bastion.")
    private RemoteGrant remote;

    @JsonPropertyDescription("Which targets Local forwards may reach through the server. Absent: any target.")
    private LocalGrant local;

    public SshSpec getSsh() { return ssh; }
    public void setSsh(SshSpec ssh) { this.ssh = ssh; }
    public RemoteGrant getRemote() { return remote; }
    public void setRemote(RemoteGrant remote) { this.remote = remote; }
    public LocalGrant getLocal() { return local; }
    public void setLocal(LocalGrant local) { this.local = local; }
}
