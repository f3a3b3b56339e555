package dev.sshtunnel.forwarder.forward;

import java.io.IOException;

import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.config.ForwardConfig;
import dev.sshtunnel.untrusted.UntrustedText;

/**
 * ssh -R: asks the server to listen (tcpip-forward) on every attach; the server's connections come
 * back as forwarded-tcpip channels ({@link ForwardedTcpipChannel}) that connect to the target once
 * {@link RemoteTargets} allows it. Stopping sends cancel-tcpip-forward with the port the server actually bound — for
 * port 0 that is the allocated one, which MINA's tracker would not cancel.
 */
final class RemoteForward extends CountedForward {

    private static final Logger LOG = Logger.getLogger(RemoteForward.class);

    private volatile ClientSession session;
    private volatile SshdSocketAddress bound;
    private volatile RemoteTargets targets;
    /** After close (SIGTERM, or removed by a live change) it must not bind the port again. */
    private boolean closed;
    private final ChannelFailureLog failures;

    RemoteForward(ForwardConfig config, ForwardThreads threads) {
        super(config, threads);
        this.failures = new ChannelFailureLog(config.name(), threads.timer());
    }

    @Override
    public void start() {
        // Nothing listens in this process; the server listens on attach.
    }

    /**
     * Binds on {@code newSession}. A forward still bound on an earlier session (a live change replaced
     * the session) first cancels there, so that the same server can give the port to the new one;
     * channels already forwarded on the earlier session carry on.
     */
    @Override
    public synchronized void attach(ClientSession newSession) throws IOException {
        if (closed) {
            return; // removed while the session loop was attaching it
        }
        if (session != null && session != newSession) {
            cancel();
            detach(session);
        }
        session = newSession;
        RemoteTargets filter = RemoteTargets.of(newSession);
        if (targets != filter) {
            filter.allow(config.targetHost(), config.targetPort());
            targets = filter;
        }
        try {
            SshdSocketAddress result = newSession.startRemotePortForwarding(
                    new SshdSocketAddress(config.bindAddress(), config.port()),
                    new SshdSocketAddress(config.targetHost(), config.targetPort()));
            bound = result;
            counters.boundPort(result.getPort());
            targets.count(result.getPort(), counters, failures);
            counters.state(ForwardState.Active);
            counters.clearError();
            LOG.infof("forward %s: server listens on %s:%d -> %s:%d", config.name(), config.bindAddress(), result.getPort(),
                    config.targetHost(), config.targetPort());
        } catch (IOException e) {
            // The server gives no reason. A fixed port is held by another session: the serving replica, the
            // old pod during a rolling update, or our own stale session after a reconnect (it lingers until
            // the server notices the old connection is dead). Wait as its standby.
            if (config.standby()) {
                counters.state(ForwardState.Standby);
                String error = counters.error(Reason.RemotePortInUse, "standby: the server refused " + config.bindAddress()
                        + ":" + config.port() + ", held by another session (a replica, or a stale one), or remote forwarding"
                        + " is not permitted" + privilegedPortHint() + "; retrying every second");
                throw new IOException(error, e);
            }
            Reason reason = config.port() != 0 ? Reason.RemotePortInUse : Reason.ForwardRejected;
            counters.state(ForwardState.Failed);
            String error = counters.error(reason, "server refused to listen on " + config.bindAddress() + ":" + config.port()
                    + (reason == Reason.RemotePortInUse ? " (port in use, or remote forwarding not permitted" + privilegedPortHint() + "); retrying"
                            : " (check AllowTcpForwarding/PermitListen on the server)"));
            throw new IOException(error, e);
        }
    }

    /**
     * OpenSSH binds a forwarded port as the logged-in user, and only root may bind below 1024 unless the server's
     * net.ipv4.ip_unprivileged_port_start says otherwise: the server's refusal says neither, so the hint does.
     */
    private String privilegedPortHint() {
        return config.port() > 0 && config.port() < 1024
                ? ", or the SSH user may not bind a port below 1024 on the server (its net.ipv4.ip_unprivileged_port_start)"
                : "";
    }

    /**
     * A Remote forward's probe connects from the pod, not through the session, but only while a session has the forward
     * (bound, or Standby behind another replica: its path to the target is the one it serves when it takes over).
     */
    @Override
    public ClientSession probeSession() {
        ClientSession current = session;
        return current != null && current.isOpen() ? current : null;
    }

    @Override
    public synchronized void detach(ClientSession lost) {
        if (session != lost) {
            return; // already bound on a newer session
        }
        session = null;
        SshdSocketAddress was = bound;
        if (was != null && targets != null) {
            targets.uncount(was.getPort(), counters);
        }
        bound = null;
        counters.boundPort(null);
        if (counters.state().healthy()) {
            counters.state(ForwardState.Pending);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        cancel();
        detach(session);
        if (targets != null) {
            targets.revoke(config.targetHost(), config.targetPort());
        }
        failures.close();
    }

    /** cancel-tcpip-forward with the port the server bound, on the session that holds it. */
    private void cancel() {
        ClientSession current = session;
        SshdSocketAddress address = bound;
        if (current != null && address != null && current.isOpen()) {
            try {
                current.stopRemotePortForwarding(new SshdSocketAddress(config.bindAddress(), address.getPort()));
            } catch (IOException e) {
                LOG.warnf("forward %s: cancel-tcpip-forward failed: %s", config.name(),
                        UntrustedText.clean(e.getMessage(), UntrustedText.MESSAGE));
            }
        }
    }
}
