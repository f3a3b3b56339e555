package dev.sshtunnel.api.v1alpha1;

/** How the forwarder asks an outbound proxy for its first TCP connection (spec.ssh.proxy.type). */
public enum ProxyType {
    /** An HTTP proxy's CONNECT method (RFC 9110 §9.3.6), with Basic authentication when credentials are set. */
    HTTPConnect,
    /** A SOCKS5 proxy (RFC 1928), without authentication or with username/password (RFC 1929). */
    SOCKS5
}
