package dev.sshtunnel.forwarder.forward;

import java.io.Closeable;
import java.io.IOException;

import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.helpers.AbstractConnectionService;

import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.config.ForwardConfig;
import dev.sshtunnel.config.policy.TargetPolicy;

/**
 * One configured forward across the life of the forwarder process. The session manager owns the
 * SSH session and tells each forward when a session is up ({@link #attach}) or gone ({@link #detach});
 * a forward never creates sessions itself.
 *
 * <p>Local and Dynamic listeners are bound once by {@link #start()} and stay bound across reconnects
 * (users' clients keep their address); connections accepted while no session is attached are closed
 * and counted as failed. Remote forwards are requested from the server on every attach.
 */
public interface Forward extends Closeable {

    /**
     * Set on a session that a live change is replacing: listeners send new connections to another
     * attached session when there is one.
     */
    AttributeKey<Boolean> RETIRING = new AttributeKey<>();

    /**
     * listenAddress: where Local and Dynamic listeners bind (127.0.0.1 on a workstation, 0.0.0.0 in a pod);
     * threads: the forwarder's, which outlive the forward; policy: what a Dynamic forward's destinations may resolve to
     * (a Remote forward's target is judged by the {@link RemoteTargets} of its SSH client).
     */
    static Forward create(ForwardConfig config, String listenAddress, ForwardThreads threads, TargetPolicy policy) {
        return switch (config.type()) {
            case Local -> new LocalForward(config, listenAddress, threads);
            case Dynamic -> new DynamicForward(config, listenAddress, threads, policy);
            case Remote -> new RemoteForward(config, threads);
        };
    }

    ForwardConfig config();

    /** Channels open on the session now, of every forward (Remote ones included). */
    static int openChannels(ClientSession session) {
        AbstractConnectionService connections = session.getService(AbstractConnectionService.class);
        return connections == null ? 0 : connections.getChannels().size();
    }

    /** Binds the listener (Local, Dynamic); a no-op for Remote. Throws when the port cannot be bound. */
    void start() throws IOException;

    /**
     * A freshly authenticated session: Remote sends tcpip-forward (failure → state Failed with
     * reason ForwardRejected or RemotePortInUse, thrown as {@link IOException}); Local
     * and Dynamic open their channels on it from now on — with several sessions attached, each new
     * connection on the one with the fewest open channels.
     */
    void attach(ClientSession session) throws IOException;

    /**
     * {@code session} is gone (or about to be closed); forget it, unless the forward has meanwhile
     * been attached to a newer session (a live change replaced the session). Must not block on the network.
     */
    void detach(ClientSession session);

    /**
     * The live session a probe of this forward goes through (Local, Dynamic: the one the next connection would get;
     * Remote: the one that holds its port); null while none is attached, and then no probe is sent.
     */
    default ClientSession probeSession() {
        return null;
    }

    /** Closes every channel of this forward still open: a removed forward past its grace period. */
    default void abortChannels() {
    }

    /** A snapshot for GET /status: state, port, boundPort, channel counters, lastError and its reason. */
    ForwardStatus status();

    /** Bytes carried from clients to the SSH server so far (0 where the forward cannot see them). */
    default long bytesSent() {
        return 0;
    }

    /** Bytes carried from the SSH server to clients so far. */
    default long bytesReceived() {
        return 0;
    }

    /**
     * Stops accepting: Local and Dynamic close their listener, a Remote forward attached to a live session
     * sends cancel-tcpip-forward with its bound port. Channels already open are not touched.
     */
    @Override
    void close();
}
