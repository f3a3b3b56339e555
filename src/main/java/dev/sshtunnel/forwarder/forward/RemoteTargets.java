package dev.sshtunnel.forwarder.forward;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.ForwardingFilter;
import org.apache.sshd.server.forward.TcpForwardingFilter;

/**
 * The only forwarded-tcpip channels this client accepts are those for a Remote forward it
 * requested, going to that forward's configured target. MINA's client refuses all of them by
 * default; accepting all would let the server reach anything the forwarder can reach. One
 * instance per SshClient, so tunnels sharing a JVM never widen each other's targets.
 */
final class RemoteTargets implements ForwardingFilter {

    private final Set<String> allowed = ConcurrentHashMap.newKeySet();
    private final Duration connectTimeout;
    /** Channel counters of each Remote forward, by the port the server bound for it. */
    private final Map<Integer, ForwardCounters> byBoundPort = new ConcurrentHashMap<>();
    /** Counts channels that arrive before their forward has recorded its bound port; not reported. */
    private final ForwardCounters unattributed = new ForwardCounters(null);

    /** connectTimeout: how long a connection to a target may take (the tunnel's connectTimeoutSeconds). */
    RemoteTargets(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    Duration connectTimeout() {
        return connectTimeout;
    }

    /** The filter installed on the client a session belongs to (by {@link Forwards#configureClient}). */
    static RemoteTargets of(Session session) {
        if (session.getFactoryManager().getForwardingFilter() instanceof RemoteTargets targets) {
            return targets;
        }
        throw new IllegalStateException("SshClient was not prepared with Forwards.configureClient");
    }

    void allow(String host, int port) {
        allowed.add(key(host, port));
    }

    void revoke(String host, int port) {
        allowed.remove(key(host, port));
    }

    void count(int boundPort, ForwardCounters counters) {
        byBoundPort.put(boundPort, counters);
    }

    void uncount(int boundPort) {
        byBoundPort.remove(boundPort);
    }

    ForwardCounters counters(int boundPort) {
        return byBoundPort.getOrDefault(boundPort, unattributed);
    }

    @Override
    public boolean canConnect(TcpForwardingFilter.Type type, SshdSocketAddress address, Session session) {
        return type == TcpForwardingFilter.Type.Forwarded && allowed.contains(key(address.getHostName(), address.getPort()));
    }

    @Override
    public boolean canListen(SshdSocketAddress address, Session session) {
        return false;
    }

    @Override
    public boolean canForwardAgent(Session session, String requestType) {
        return false;
    }

    @Override
    public boolean canForwardX11(Session session, String requestType) {
        return false;
    }

    private static String key(String host, int port) {
        return host + ":" + port;
    }
}
