package dev.sshtunnel.operator.status;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.HostName;

/**
 * The authorized_keys options that let this tunnel's key do exactly what the spec asks of the
 * server and nothing else (sshd(8), AUTHORIZED_KEYS FILE FORMAT): `restrict` turns off PTYs, agent
 * and X11 forwarding and ~/.ssh/rc, but not commands, so `command="/bin/false"` makes every exec,
 * shell and subsystem request run a command that fails (the forwarder opens no session channel);
 * `port-forwarding` turns forwarding back on; `permitopen` limits -L to the Local targets;
 * `permitlisten` limits -R to the Remote listen addresses.
 */
public final class AuthorizedKeysOptions {

    static final String REFUSE_COMMANDS = "command=\"/bin/false\"";

    private AuthorizedKeysOptions() {
    }

    /**
     * Empty when a host in the spec is not a plain host name or address: the CRD refuses such a spec, but
     * one stored before it did must not put a quote or a newline into a line an admin pastes.
     */
    public static Optional<String> of(List<ForwardSpec> forwards) {
        List<String> options = new ArrayList<>(List.of("restrict", REFUSE_COMMANDS, "port-forwarding"));
        boolean dynamic = forwards.stream().anyMatch(f -> f.getType() == ForwardType.Dynamic);
        Set<String> opens = new LinkedHashSet<>();
        Set<String> listens = new LinkedHashSet<>();
        for (ForwardSpec forward : forwards) {
            if (forward.getType() == ForwardType.Local && forward.getTarget() != null) {
                String host = forward.getTarget().getHost();
                if (!HostName.isHostOrAddress(host)) {
                    return Optional.empty();
                }
                opens.add("permitopen=\"" + hostPort(host, String.valueOf(forward.getTarget().getPort())) + "\"");
            } else if (forward.getType() == ForwardType.Remote) {
                String address = forward.effectiveBindAddress();
                if (!HostName.isHostOrAddress(address)) {
                    return Optional.empty();
                }
                // Port 0 lets the server pick, so any port must be allowed.
                String port = forward.getPort() == null || forward.getPort() == 0 ? "*" : String.valueOf(forward.getPort());
                listens.add("permitlisten=\"" + hostPort(address, port) + "\"");
            }
        }
        if (!dynamic) {
            options.addAll(opens);
        }
        options.addAll(listens);
        return Optional.of(String.join(",", options));
    }

    /** IPv6 literals in brackets, as sshd parses host:port. */
    private static String hostPort(String host, String port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
