package dev.sshtunnel.config;

/**
 * One SSH server to authenticate to (the target server or a jump host), with its secrets read.
 * Optional secrets are null when not configured.
 */
public record EndpointConfig(
        String host,
        int port,
        String user,
        SecretValue privateKey,
        SecretValue passphrase,
        SecretValue certificate,
        SecretValue password,
        HostKeyConfig hostKey) {

    /** host:port as OpenSSH writes it in known_hosts: bare host for 22, [host]:port otherwise. */
    public String knownHostsName() {
        return port == 22 ? host : "[" + host + "]:" + port;
    }
}
