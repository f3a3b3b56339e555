package dev.sshtunnel.api.v1alpha1;

public enum ForwardState {
    /** Waiting for the session, or being set up. */
    Pending,
    /** Listening (Local, Dynamic) or bound on the server (Remote). */
    Active,
    /** Could not be set up (refused by the server, port in use); retried with backoff. */
    Failed
}
