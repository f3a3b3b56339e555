package dev.sshtunnel.config;

import java.util.List;

import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;

/** spec.ssh.hostKey with defaults applied (policy Strict). */
public record HostKeyConfig(HostKeyPolicy policy, String knownHosts, List<String> fingerprints) {
    public HostKeyConfig {
        knownHosts = knownHosts == null ? "" : knownHosts;
        fingerprints = fingerprints == null ? List.of() : List.copyOf(fingerprints);
    }
}
