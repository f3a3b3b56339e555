package dev.sshtunnel.operator.status;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardType;

/**
 * The authorized_keys options that let this tunnel's key do exactly what the spec asks of the
 * server and nothing else (sshd(8), AUTHORIZED_KEYS FILE FORMAT): `restrict` turns off shells, PTYs,
 * agent and X11 forwarding; `port-forwarding` turns forwarding back on; `permitopen` limits -L to the
 * Local targets; `permitlisten` limits -R to the Remote listen addresses.
 */
final class AuthorizedKeysOptions {

    private AuthorizedKeysOptions() {
    }

    static String of(List<ForwardSpec> forwards) {
        List<String> options = new ArrayList<>(List.of("restrict", "port-forwarding"));
        boolean dynamic = forwards.stream().anyMatch(f -> f.getType() == ForwardType.Dynamic);
        Set<String> opens = new LinkedHashSet<>();
        Set<String> listens = new LinkedHashSet<>();
        for (ForwardSpec forward : forwards) {
            if (forward.getType() == ForwardType.Local && forward.getTarget() != null) {
                opens.add("permitopen=\"" + hostPort(forward.getTarget().getHost(), String.valueOf(forward.getTarget().getPort())) + "\"");
            } else if (forward.getType() == ForwardType.Remote) {
                String address = forward.effectiveBindAddress();
                // Port 0 lets the server pick, so any port must be allowed.
                String port = forward.getPort() == null || forward.getPort() == 0 ? "*" : String.valueOf(forward.getPort());
                listens.add("permitlisten=\"" + hostPort(address, port) + "\"");
            }
        }
        if (!dynamic) {
            options.addAll(opens);
        }
        options.addAll(listens);
        return String.join(",", options);
    }

    /** IPv6 literals in brackets, as sshd parses host:port. */
    private static String hostPort(String host, String port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
