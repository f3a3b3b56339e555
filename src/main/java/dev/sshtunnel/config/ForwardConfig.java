package dev.sshtunnel.config;

import dev.sshtunnel.api.v1alpha1.ForwardType;

/**
 * One forward with defaults applied. bindAddress is the address on the SSH server (Remote only,
 * default localhost); targetHost is null and targetPort 0 for Dynamic forwards.
 */
public record ForwardConfig(String name, ForwardType type, String bindAddress, int port, String targetHost, int targetPort) {
}
