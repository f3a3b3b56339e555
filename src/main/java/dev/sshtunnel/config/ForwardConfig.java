package dev.sshtunnel.config;

import java.time.Duration;
import java.util.Set;

import dev.sshtunnel.api.v1alpha1.ForwardProtocol;
import dev.sshtunnel.api.v1alpha1.ForwardType;

/**
 * One forward with defaults applied. bindAddress is the address on the SSH server (Remote only,
 * default localhost); targetHost is null and targetPort 0 for Dynamic forwards; idleTimeout is null
 * when connections may idle forever. standby: a Remote forward with a fixed port, which another
 * session may hold (a replica, the old pod in a rolling update, our own stale session): a refusal
 * means wait as Standby and ask again every second, not a failure. probe: null when the forward has none.
 * protocols: what a Dynamic forward's port speaks (SOCKS by default; the others ignore it).
 */
public record ForwardConfig(String name, ForwardType type, String bindAddress, int port, String targetHost, int targetPort,
        int maxConnections, Duration idleTimeout, boolean standby, ProbeConfig probe, Set<ForwardProtocol> protocols) {

    public ForwardConfig {
        protocols = Set.copyOf(protocols);
    }

    public ForwardConfig(String name, ForwardType type, String bindAddress, int port, String targetHost, int targetPort,
            int maxConnections, Duration idleTimeout, boolean standby, ProbeConfig probe) {
        this(name, type, bindAddress, port, targetHost, targetPort, maxConnections, idleTimeout, standby, probe,
                Set.of(ForwardProtocol.SOCKS));
    }

    public ForwardConfig(String name, ForwardType type, String bindAddress, int port, String targetHost, int targetPort,
            int maxConnections, Duration idleTimeout, boolean standby) {
        this(name, type, bindAddress, port, targetHost, targetPort, maxConnections, idleTimeout, standby, null);
    }

    public ForwardConfig(String name, ForwardType type, String bindAddress, int port, String targetHost, int targetPort,
            int maxConnections, Duration idleTimeout) {
        this(name, type, bindAddress, port, targetHost, targetPort, maxConnections, idleTimeout, false);
    }

    /** The same forward without its probe: a probe added, changed or removed leaves the listener and its channels alone. */
    public ForwardConfig withoutProbe() {
        return probe == null ? this : new ForwardConfig(name, type, bindAddress, port, targetHost, targetPort, maxConnections,
                idleTimeout, standby, null, protocols);
    }
}
