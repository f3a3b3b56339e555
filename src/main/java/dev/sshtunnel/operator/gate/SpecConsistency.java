package dev.sshtunnel.operator.gate;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.sshtunnel.api.forwarder.ForwarderStatus;
import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.HostName;
import dev.sshtunnel.api.v1alpha1.SshEndpoint;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.config.KnownHostsText;

/**
 * What the CRD's schema and CEL rules cannot judge, reported as InvalidSpec with what to fix.
 */
public final class SpecConsistency {

    /** Services are named after the tunnel and must be DNS-1035 labels. */
    private static final Pattern DNS_1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");

    private SpecConsistency() {
    }

    public static Optional<String> problem(SshTunnel tunnel) {
        boolean listens = tunnel.getSpec().getForwards().stream().anyMatch(ForwardSpec::listensInPod);
        String name = tunnel.getMetadata().getName();
        if (listens && !DNS_1035_LABEL.matcher(name).matches()) {
            return Optional.of("metadata.name \"" + name + "\" cannot name the Service of the Local/Dynamic forwards: "
                    + "use at most 63 lowercase letters, digits and '-', starting with a letter");
        }
        for (int i = 0; i < tunnel.getSpec().getForwards().size(); i++) {
            ForwardSpec forward = tunnel.getSpec().getForwards().get(i);
            if (forward.listensInPod() && forward.getPort() != null && forward.getPort() == ForwarderStatus.PORT) {
                return Optional.of("spec.forwards[" + i + "].port " + ForwarderStatus.PORT
                        + " is used by the forwarder's health and /status endpoint; choose another port");
            }
            Optional<String> host = hostProblem(forward, "spec.forwards[" + i + "]");
            if (host.isPresent()) {
                return host;
            }
        }
        return sshProblem(tunnel.getSpec().getSsh());
    }

    /** What the CRD cannot judge in a spec.ssh (a tunnel's, or a bastion's, whose tunnels would carry it). */
    public static Optional<String> sshProblem(SshSpec ssh) {
        if (ssh == null) {
            return Optional.empty();
        }
        Optional<String> knownHosts = knownHostsProblem(ssh, "spec.ssh");
        if (knownHosts.isPresent()) {
            return knownHosts;
        }
        List<? extends SshEndpoint> hops = ssh.getJumpHosts() == null ? List.of() : ssh.getJumpHosts();
        for (int i = 0; i < hops.size(); i++) {
            knownHosts = knownHostsProblem(hops.get(i), "spec.ssh.jumpHosts[" + i + "]");
            if (knownHosts.isPresent()) {
                return knownHosts;
            }
        }
        return Optional.empty();
    }

    /**
     * The CRD's host rule, for a tunnel stored before the CRD had it (validation ratcheting keeps such a field):
     * its forwarder would refuse the document, and its authorized_keys line could be broken out of.
     */
    private static Optional<String> hostProblem(ForwardSpec forward, String path) {
        if (forward.getTarget() != null && !HostName.isHostOrAddress(forward.getTarget().getHost())) {
            return Optional.of(path + ".target.host must be a host name or IP address, without user@, :port, quotes or spaces");
        }
        if (forward.getBindAddress() != null && !HostName.isHostOrAddress(forward.getBindAddress())) {
            return Optional.of(path + ".bindAddress must be a host name or IP address (0.0.0.0 or :: for every address)");
        }
        return Optional.empty();
    }

    /** A known_hosts line the forwarder could not read: the line number, so the user can find it. */
    private static Optional<String> knownHostsProblem(SshEndpoint endpoint, String path) {
        return endpoint == null || endpoint.getHostKey() == null ? Optional.empty()
                : KnownHostsText.problem(endpoint.getHostKey().getKnownHosts(), path + ".hostKey.knownHosts");
    }
}
