package dev.sshtunnel.config;

import java.time.Duration;
import java.util.List;

/**
 * An SshTunnel as the forwarder runs it: defaults applied (the same ones the CRD schema applies in
 * a cluster, so a workstation run behaves like a pod) and secret files read.
 */
public record TunnelConfig(
        String namespace,
        String name,
        EndpointConfig server,
        List<EndpointConfig> jumpHosts,
        Duration keepAliveInterval,
        int keepAliveMaxMissed,
        Duration connectTimeout,
        Duration minBackoff,
        Duration maxBackoff,
        List<ForwardConfig> forwards) {

    public TunnelConfig {
        jumpHosts = List.copyOf(jumpHosts);
        forwards = List.copyOf(forwards);
    }
}
