package dev.sshtunnel.api.v1alpha1;

public enum ForwardState {
    /** Waiting for the session, or being set up. */
    Pending,
    /** Listening (Local, Dynamic) or bound on the server (Remote). */
    Active,
    /**
     * Remote with a fixed port: the server refused it, as another session holds it (another replica,
     * the old pod during a rolling update, a stale session of ours); asked again every second, so this
     * pod binds it as soon as the holder lets go. Healthy: the pod stays ready.
     */
    Standby,
    /** Could not be set up (refused by the server, port in use); retried with backoff. */
    Failed;

    /** Active, or Standby waiting for its port: doing what it should, so the pod stays ready. */
    public boolean healthy() {
        return this == Active || this == Standby;
    }
}
