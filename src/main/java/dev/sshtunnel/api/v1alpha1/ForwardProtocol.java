package dev.sshtunnel.api.v1alpha1;

/** What a Dynamic forward's port speaks to its clients (spec.forwards[].protocols). */
public enum ForwardProtocol {
    /** SOCKS4, 4a and 5 without authentication, as ssh -D. */
    SOCKS,
    /** HTTP CONNECT host:port, for clients that only know an HTTPS_PROXY. */
    HTTPConnect
}
