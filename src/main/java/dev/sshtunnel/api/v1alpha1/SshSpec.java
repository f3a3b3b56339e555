package dev.sshtunnel.api.v1alpha1;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;

/** The SSH server the tunnel connects to; the last hop when jumpHosts are set. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SshSpec extends SshEndpoint {

    public static final int DEFAULT_SESSIONS = 1;
    public static final int DEFAULT_CONNECT_TIMEOUT_SECONDS = 15;
    public static final int MAX_SESSIONS = 8;

    @Size(max = 8)
    @JsonPropertyDescription("ProxyJump chain, first hop first (ssh -J). Each hop has its own credentials and host key; "
            + "the session to the next hop is carried inside the previous one.")
    private List<JumpHostSpec> jumpHosts = new ArrayList<>();

    @JsonPropertyDescription("An HTTP CONNECT or SOCKS5 proxy that the forwarder's first TCP connection goes through: to the "
            + "first jump host when jumpHosts are set, else to the server. Host keys are checked exactly as without it. "
            + "The generated NetworkPolicy then allows egress to the proxy instead of the first hop. Absent: a direct connection.")
    private ProxySpec proxy;

    @JsonPropertyDescription("keepalive@openssh.com probes that detect a dead server or a black-holed link.")
    private KeepAliveSpec keepAlive;

    @Default("" + DEFAULT_CONNECT_TIMEOUT_SECONDS)
    @Min(1)
    @Max(300)
    @JsonPropertyDescription("Seconds to wait for TCP connect, key exchange and authentication of each hop.")
    private Integer connectTimeoutSeconds;

    @JsonPropertyDescription("Backoff between reconnect attempts. The forwarder reconnects forever with jittered exponential backoff.")
    private ReconnectSpec reconnect;

    @Default("" + DEFAULT_SESSIONS)
    @Min(1)
    @Max(MAX_SESSIONS)
    @JsonPropertyDescription("SSH sessions each forwarder pod keeps to the server. New Local and Dynamic connections go to the "
            + "session with the fewest open channels, so one tunnel can use more than one core of the client and of the server "
            + "(OpenSSH moves every channel of a session through one process on each side); Remote forwards bind on one "
            + "session. Each session has its own keepalive, reconnect and host key check; a lost one only moves new "
            + "connections to the others.")
    private Integer sessions;

    public List<JumpHostSpec> getJumpHosts() { return jumpHosts; }
    public void setJumpHosts(List<JumpHostSpec> jumpHosts) { this.jumpHosts = jumpHosts; }
    public ProxySpec getProxy() { return proxy; }
    public void setProxy(ProxySpec proxy) { this.proxy = proxy; }
    public KeepAliveSpec getKeepAlive() { return keepAlive; }
    public void setKeepAlive(KeepAliveSpec keepAlive) { this.keepAlive = keepAlive; }
    public Integer getConnectTimeoutSeconds() { return connectTimeoutSeconds; }
    public void setConnectTimeoutSeconds(Integer connectTimeoutSeconds) { this.connectTimeoutSeconds = connectTimeoutSeconds; }
    public ReconnectSpec getReconnect() { return reconnect; }
    public void setReconnect(ReconnectSpec reconnect) { this.reconnect = reconnect; }
    public Integer getSessions() { return sessions; }
    public void setSessions(Integer sessions) { this.sessions = sessions; }

    /** {@code sessions} with the schema's default: what a document written without it runs. */
    public int effectiveSessions() {
        return sessions == null ? DEFAULT_SESSIONS : sessions;
    }

    public int effectiveConnectTimeoutSeconds() {
        return connectTimeoutSeconds == null ? DEFAULT_CONNECT_TIMEOUT_SECONDS : connectTimeoutSeconds;
    }
}
