package dev.sshtunnel.forwarder.session;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;

/** The live session state, written by the session loop and read by GET /status. */
public final class SessionStatusBoard {

    private SessionState state = SessionState.Connecting;
    private String serverVersion;
    private String hostKeyFingerprint;
    private String cipher;
    private Instant connectedSince;
    private long reconnects;
    private String lastError = "";
    /** The reason of lastError; null while there is none. */
    private Reason reason;
    private boolean everConnected;

    /**
     * The board of a session that replaces this one (a live change of the SSH settings): it keeps the
     * reconnect count, and its first connect counts as a reconnect.
     */
    public synchronized SessionStatusBoard successor() {
        SessionStatusBoard next = new SessionStatusBoard();
        next.reconnects = reconnects;
        next.everConnected = everConnected;
        next.serverVersion = serverVersion;
        next.hostKeyFingerprint = hostKeyFingerprint;
        next.cipher = cipher;
        return next;
    }

    public synchronized void connecting() {
        state = SessionState.Connecting;
    }

    public synchronized void connected(String serverVersion, String hostKeyFingerprint, String cipher, Instant since) {
        if (everConnected) {
            reconnects++;
        }
        everConnected = true;
        this.state = SessionState.Connected;
        this.serverVersion = serverVersion;
        this.hostKeyFingerprint = hostKeyFingerprint;
        this.cipher = cipher;
        this.connectedSince = since;
        this.lastError = "";
        this.reason = null;
    }

    /** The session was up and is gone; a reconnect follows. */
    public synchronized void disconnected(Reason reason, String message) {
        state = SessionState.Disconnected;
        connectedSince = null;
        lastError = reason.lastError(message);
        this.reason = reason;
    }

    /** An attempt failed; Failed for reasons a person must fix, Connecting while the far side may come back. */
    public synchronized void failed(SessionState failedState, Reason reason, String message, String presentedFingerprint) {
        state = failedState;
        connectedSince = null;
        lastError = reason.lastError(message);
        this.reason = reason;
        if (presentedFingerprint != null) {
            hostKeyFingerprint = presentedFingerprint;
        }
    }

    public synchronized SessionStatus snapshot() {
        SessionStatus status = new SessionStatus();
        status.setState(state);
        status.setServerVersion(serverVersion);
        status.setHostKeyFingerprint(hostKeyFingerprint);
        status.setCipher(cipher);
        status.setConnectedSince(connectedSince == null ? null
                : DateTimeFormatter.ISO_INSTANT.format(connectedSince.truncatedTo(ChronoUnit.SECONDS)));
        status.setReconnects(reconnects);
        status.setLastError(lastError);
        status.setReason(reason);
        return status;
    }
}
