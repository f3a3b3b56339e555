package dev.sshtunnel.forwarder.forward;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.ForwardingFilter;
import org.apache.sshd.server.forward.TcpForwardingFilter;

import dev.sshtunnel.config.policy.TargetPolicy;

/**
 * The only forwarded-tcpip channels this client accepts are those for a Remote forward it
 * requested, going to that forward's configured target. MINA's client refuses all of them by
 * default; accepting all would let the server reach anything the forwarder can reach. One
 * instance per SshClient, so tunnels sharing a JVM never widen each other's targets.
 */
public final class RemoteTargets implements ForwardingFilter {

    /** Allowed targets, each with the number of forwards that allow it (two forwards may share a target). */
    private final Map<String, Integer> allowed = new ConcurrentHashMap<>();
    private final Duration connectTimeout;
    private final TargetPolicy policy;
    /** Channel counters of each Remote forward, by the port the server bound for it. */
    private final Map<Integer, ForwardCounters> byBoundPort = new ConcurrentHashMap<>();
    /** The failure log of each Remote forward, by the port the server bound for it. */
    private final Map<Integer, ChannelFailureLog> failuresByBoundPort = new ConcurrentHashMap<>();

    /** connectTimeout: how long a connection to a target may take (the tunnel's connectTimeoutSeconds). */
    RemoteTargets(Duration connectTimeout) {
        this(connectTimeout, TargetPolicy.OPEN);
    }

    /** policy: what the addresses a target resolves to may be, judged before each connection. */
    RemoteTargets(Duration connectTimeout, TargetPolicy policy) {
        this.connectTimeout = connectTimeout;
        this.policy = policy;
    }

    Duration connectTimeout() {
        return connectTimeout;
    }

    TargetPolicy policy() {
        return policy;
    }

    /**
     * Prepares {@code client} for Remote forwards: this filter, so forwarded-tcpip channels reach only
     * configured targets, and the forwarded-tcpip channel that pumps them like Local forwards
     * ({@link ForwardedTcpipChannel}), which connects to a target within connectTimeout, on {@code threads}, once
     * {@code policy} allows every address it resolves to.
     */
    public static void install(SshClient client, Duration connectTimeout, ForwardThreads threads, TargetPolicy policy) {
        client.setForwardingFilter(new RemoteTargets(connectTimeout, policy));
        client.setChannelFactories(List.of(ForwardedTcpipChannel.factory(threads)));
    }

    /** The filter installed on the client a session belongs to (by {@link #install}). */
    static RemoteTargets of(Session session) {
        if (session.getFactoryManager().getForwardingFilter() instanceof RemoteTargets targets) {
            return targets;
        }
        throw new IllegalStateException("SshClient was not prepared with RemoteTargets.install");
    }

    /** Called once per forward's life (the first attach); {@link #revoke} undoes it. */
    void allow(String host, int port) {
        allowed.merge(key(host, port), 1, Integer::sum);
    }

    void revoke(String host, int port) {
        allowed.computeIfPresent(key(host, port), (k, n) -> n == 1 ? null : n - 1);
    }

    void count(int boundPort, ForwardCounters counters) {
        byBoundPort.put(boundPort, counters);
    }

    /** The same, with the log that the forward's failed channels go to. */
    void count(int boundPort, ForwardCounters counters, ChannelFailureLog failures) {
        failuresByBoundPort.put(boundPort, failures);
        count(boundPort, counters);
    }

    void uncount(int boundPort, ForwardCounters counters) {
        if (byBoundPort.remove(boundPort, counters)) {
            failuresByBoundPort.remove(boundPort);
        }
    }

    /** Logs a failed channel of the Remote forward on {@code boundPort} (bounded per episode), if one holds it. */
    void logFailure(int boundPort, String error) {
        ChannelFailureLog failures = failuresByBoundPort.get(boundPort);
        if (failures != null) {
            failures.failed(error);
        }
    }

    /** The counters of the Remote forward the server bound {@code boundPort} for; null while no forward has it recorded. */
    ForwardCounters counters(int boundPort) {
        return byBoundPort.get(boundPort);
    }

    @Override
    public boolean canConnect(TcpForwardingFilter.Type type, SshdSocketAddress address, Session session) {
        return type == TcpForwardingFilter.Type.Forwarded && allowed.containsKey(key(address.getHostName(), address.getPort()));
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
