package dev.sshtunnel.api.v1alpha1;

public enum SessionState {
    /** Connecting, exchanging keys or authenticating; also while waiting out a reconnect backoff. */
    Connecting,
    /** Authenticated; forwards are being set up or are up. */
    Connected,
    /** The session was lost; a reconnect follows. */
    Disconnected,
    /** The last attempt failed for a reason the user must fix (authentication, host key); retried with backoff. */
    Failed
}
