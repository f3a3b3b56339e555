package dev.sshtunnel.config;

import dev.sshtunnel.api.v1alpha1.ProxyType;

/**
 * The outbound proxy of a tunnel's first TCP connection, with its credentials read (both null without
 * authentication). {@link #toString()} names the proxy and never shows a credential.
 */
public record ProxyConfig(ProxyType type, String host, int port, SecretValue username, SecretValue password) {

    /** host:port, how messages name the proxy. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    public boolean authenticates() {
        return username != null && password != null;
    }

    /** What decides a session besides the secret bytes: the proxy and which Secret keys it reads. */
    public Settings settings() {
        return new Settings(type, host, port, username == null ? "-" : username.source(), password == null ? "-" : password.source());
    }

    public record Settings(ProxyType type, String host, int port, String usernameSource, String passwordSource) {
    }

    @Override
    public String toString() {
        return "ProxyConfig[" + type + " " + address() + (authenticates() ? ", credentials from " + username.source() : "") + "]";
    }
}
