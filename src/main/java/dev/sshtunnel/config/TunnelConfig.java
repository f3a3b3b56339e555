package dev.sshtunnel.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * An SshTunnel as the forwarder runs it: defaults applied (the same ones the CRD schema applies in
 * a cluster, so a workstation run behaves like a pod) and secret files read. {@code generation} is
 * the document's metadata.generation (null for a hand-written file): the forwarder reports it so the
 * operator knows which spec runs. {@code proxy} is null for a direct first connection.
 */
public record TunnelConfig(
        String namespace,
        String name,
        Long generation,
        EndpointConfig server,
        List<EndpointConfig> jumpHosts,
        ProxyConfig proxy,
        Duration keepAliveInterval,
        int keepAliveMaxMissed,
        Duration connectTimeout,
        Duration minBackoff,
        Duration maxBackoff,
        int sessions,
        List<ForwardConfig> forwards) {

    public TunnelConfig {
        jumpHosts = List.copyOf(jumpHosts);
        forwards = List.copyOf(forwards);
    }

    /**
     * Everything a running session was made from, except the bytes of its secrets: two configs with
     * equal settings can share one session. A rotated key or password (same Secret, new content) is
     * not a new session — it is used on the next connect; a different Secret reference, host, user,
     * host key rule, jump chain, keepalive, timeout or backoff is.
     */
    public SessionSettings sessionSettings() {
        return new SessionSettings(hops().stream().map(HopSettings::of).toList(), proxy == null ? null : proxy.settings(), keepAliveInterval, keepAliveMaxMissed,
                connectTimeout, minBackoff, maxBackoff, sessions);
    }

    /** Every server the session authenticates to, in order: the jump hosts, then the server. */
    public List<EndpointConfig> hops() {
        List<EndpointConfig> hops = new ArrayList<>(jumpHosts);
        hops.add(server);
        return List.copyOf(hops);
    }

    public record SessionSettings(List<HopSettings> hops, ProxyConfig.Settings proxy, Duration keepAliveInterval, int keepAliveMaxMissed,
            Duration connectTimeout, Duration minBackoff, Duration maxBackoff, int sessions) {

        /** The same settings with the host key rules left out: a session whose keys the new rules accept can stay. */
        public SessionSettings ignoringHostKeys() {
            return new SessionSettings(hops.stream().map(h -> new HopSettings(h.host(), h.port(), h.user(), null,
                    h.credentialSources())).toList(), proxy, keepAliveInterval, keepAliveMaxMissed, connectTimeout, minBackoff, maxBackoff,
                    sessions);
        }
    }

    /** One hop as it decides the session: where, as whom, which host keys, which Secret keys (not their content). */
    public record HopSettings(String host, int port, String user, HostKeyConfig hostKey, List<String> credentialSources) {
        static HopSettings of(EndpointConfig hop) {
            List<String> sources = Stream.of(hop.privateKey(), hop.passphrase(), hop.certificate(), hop.password())
                    .map(secret -> secret == null ? "-" : secret.source()).toList();
            return new HopSettings(hop.host(), hop.port(), hop.user(), hop.hostKey(), sources);
        }
    }
}
