package dev.sshtunnel.api.v1alpha1;

import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Size;

/** Live state of the SSH session, as the forwarder reports it at GET /status. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SessionStatus {

    /**
     * Bounds of the text the forwarder reports, with room above what the operator keeps of it
     * (UntrustedText caps it lower): a status the API server refused would stop status altogether.
     */
    public static final int FIELD = 1024;
    public static final int MESSAGE = 4096;

    @JsonPropertyDescription("Connecting, Connected, Disconnected or Failed.")
    private SessionState state;

    @JsonPropertyDescription("Identification string the server sent, e.g. SSH-2.0-OpenSSH_9.2p1.")
    @Size(max = FIELD)
    private String serverVersion;

    @JsonPropertyDescription("SHA256 fingerprint of the host key the server presented.")
    @Size(max = FIELD)
    private String hostKeyFingerprint;

    @JsonPropertyDescription("Negotiated cipher, client to server.")
    @Size(max = FIELD)
    private String cipher;

    @JsonPropertyDescription("When the current session was authenticated (RFC 3339).")
    @Size(max = FIELD)
    private String connectedSince;

    @JsonPropertyDescription("Sessions re-established after a loss since the forwarder started.")
    private Long reconnects;

    @JsonPropertyDescription("The last failure, prefixed with its reason (e.g. 'Unreachable: connection refused'); empty when none.")
    @Size(max = MESSAGE)
    private String lastError;

    @JsonPropertyDescription("The reason of lastError, in the Ready condition's taxonomy (e.g. Unreachable); absent when there is no error.")
    // A newer forwarder may know a reason this operator does not: that reason is dropped, not the whole report.
    @JsonFormat(with = JsonFormat.Feature.READ_UNKNOWN_ENUM_VALUES_AS_NULL)
    private Reason reason;

    @JsonPropertyDescription("Channels open on this session now; set on each entry of status.sessions.")
    private Integer activeChannels;

    public SessionState getState() { return state; }
    public void setState(SessionState state) { this.state = state; }
    public String getServerVersion() { return serverVersion; }
    public void setServerVersion(String serverVersion) { this.serverVersion = serverVersion; }
    public String getHostKeyFingerprint() { return hostKeyFingerprint; }
    public void setHostKeyFingerprint(String hostKeyFingerprint) { this.hostKeyFingerprint = hostKeyFingerprint; }
    public String getCipher() { return cipher; }
    public void setCipher(String cipher) { this.cipher = cipher; }
    public String getConnectedSince() { return connectedSince; }
    public void setConnectedSince(String connectedSince) { this.connectedSince = connectedSince; }
    public Long getReconnects() { return reconnects; }
    public void setReconnects(Long reconnects) { this.reconnects = reconnects; }
    public String getLastError() { return lastError; }
    public void setLastError(String lastError) { this.lastError = lastError; }
    public Reason getReason() { return reason; }
    public void setReason(Reason reason) { this.reason = reason; }
    public Integer getActiveChannels() { return activeChannels; }
    public void setActiveChannels(Integer activeChannels) { this.activeChannels = activeChannels; }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof SessionStatus that)) {
            return false;
        }
        return Objects.equals(state, that.state)
                && Objects.equals(serverVersion, that.serverVersion)
                && Objects.equals(hostKeyFingerprint, that.hostKeyFingerprint)
                && Objects.equals(cipher, that.cipher)
                && Objects.equals(connectedSince, that.connectedSince)
                && Objects.equals(reconnects, that.reconnects)
                && Objects.equals(lastError, that.lastError)
                && Objects.equals(reason, that.reason)
                && Objects.equals(activeChannels, that.activeChannels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(state, serverVersion, hostKeyFingerprint, cipher, connectedSince, reconnects, lastError, reason, activeChannels);
    }
}
