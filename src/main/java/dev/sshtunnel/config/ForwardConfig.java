package dev.sshtunnel.config;

import java.time.Duration;

import dev.sshtunnel.api.v1alpha1.ForwardType;

/**
 * One forward with defaults applied. bindAddress is the address on the SSH server (Remote only,
 * default localhost); targetHost is null and targetPort 0 for Dynamic forwards; idleTimeout is null
 * when connections may idle forever.
 */
public record ForwardConfig(String name, ForwardType type, String bindAddress, int port, String targetHost, int targetPort,
        int maxConnections, Duration idleTimeout) {
}
