package dev.sshtunnel.forwarder.session;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.config.EndpointConfig;
import dev.sshtunnel.config.TunnelConfig;
import dev.sshtunnel.forwarder.forward.Forward;

/**
 * Holds one SSH session (through the jump chain) open forever: connect, authenticate, attach
 * every forward; on loss, detach, wait a jittered backoff and do it again. Failures of any kind,
 * authentication and host key included, back off too: no hot loop against a server.
 */
public final class TunnelSession implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TunnelSession.class);
    /** A standby Remote forward asks for its port this often: the takeover delay after the holder lets go. */
    static final Duration STANDBY_RETRY = Duration.ofSeconds(1);

    private final TunnelConfig config;
    private final List<Forward> forwards;
    private final SessionStatusBoard board;
    private final SshClient client;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final List<Credentials> credentials = new ArrayList<>();
    private final List<HostKeyCheck> hostKeyChecks = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile List<ClientSession> chain = List.of();
    private final String credentialProblem;
    private Thread loop;

    /**
     * Credentials that cannot be loaded (malformed key, wrong passphrase, unsupported type) do not
     * stop the forwarder: it stays up, reports AuthenticationFailed with what to fix and never
     * connects, instead of crash-looping. The operator rolls the pod when the Secret changes.
     */
    public TunnelSession(TunnelConfig config, List<Forward> forwards, SessionStatusBoard board, SshClient client, Clock clock) {
        this.config = config;
        this.forwards = List.copyOf(forwards);
        this.board = board;
        this.client = client;
        this.clock = clock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ssh-keepalive");
            t.setDaemon(true);
            return t;
        });
        String problem = null;
        for (EndpointConfig hop : hops()) {
            try {
                credentials.add(Credentials.load(hop));
            } catch (Credentials.CredentialException e) {
                problem = problem == null ? e.getMessage() : problem;
            }
            hostKeyChecks.add(new HostKeyCheck(hop));
        }
        this.credentialProblem = problem;
    }

    private List<EndpointConfig> hops() {
        List<EndpointConfig> hops = new ArrayList<>(config.jumpHosts());
        hops.add(config.server());
        return hops;
    }

    public void start() {
        loop = new Thread(this::run, "ssh-session");
        loop.setDaemon(true);
        loop.start();
    }

    private void run() {
        if (credentialProblem != null) {
            board.failed(SessionState.Failed, Reason.AuthenticationFailed + ": " + credentialProblem
                    + "; fix the Secret (the operator restarts the forwarder when it changes)", null);
            LOG.errorf("not connecting to %s: %s", target(), credentialProblem);
            stopped.countDown();
            return;
        }
        Backoff backoff = new Backoff(config.minBackoff(), config.maxBackoff());
        while (!stopping) {
            board.connecting();
            ClientSession session;
            try {
                session = connect();
            } catch (Exception e) {
                Failure failure = classify(e);
                board.failed(failure.state, failure.reason + ": " + failure.message, finalHopCheck().presentedFingerprint());
                LOG.warnf("session to %s failed: %s: %s", target(), failure.reason, failure.message);
                closeChain();
                sleep(backoff.next());
                continue;
            }
            backoff.reset();
            String lost = holdSession(session);
            forwards.forEach(Forward::detach);
            closeChain();
            if (!stopping) {
                board.disconnected(Reason.Unreachable + ": session lost: " + lost);
                LOG.warnf("session to %s lost: %s", target(), lost);
                sleep(backoff.next());
            }
        }
        stopped.countDown();
    }

    /** Attaches the forwards and blocks until the session ends; returns why it ended. */
    private String holdSession(ClientSession session) {
        AtomicReference<String> deadReason = new AtomicReference<>();
        try (KeepAlive keepAlive = new KeepAlive(session, config.keepAliveInterval(), config.keepAliveMaxMissed(), scheduler,
                reason -> {
                    deadReason.set(reason);
                    session.close(true);
                })) {
            board.connected(session.getServerVersion(), HostKeyCheck.fingerprint(session.getServerKey()),
                    session.getNegotiatedKexParameter(KexProposalOption.C2SENC), clock.instant());
            LOG.infof("session to %s established (%s, %s)", target(), session.getServerVersion(),
                    session.getNegotiatedKexParameter(KexProposalOption.C2SENC));
            Backoff forwardBackoff = new Backoff(config.minBackoff(), config.maxBackoff());
            List<Forward> pending = new ArrayList<>(forwards);
            while (!stopping && session.isOpen()) {
                pending.removeIf(forward -> attach(forward, session));
                Duration wait = pending.isEmpty() ? Duration.ofDays(1)
                        : pending.stream().anyMatch(f -> f.status().getState() == ForwardState.Standby) ? STANDBY_RETRY
                        : forwardBackoff.next();
                session.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.CLOSED), wait);
            }
        }
        return deadReason.get() != null ? deadReason.get() : "connection closed";
    }

    private boolean attach(Forward forward, ClientSession session) {
        boolean wasStandby = forward.status().getState() == ForwardState.Standby;
        try {
            forward.attach(session);
            return true;
        } catch (IOException e) {
            if (forward.status().getState() != ForwardState.Standby) {
                LOG.warnf("forward %s could not be set up: %s", forward.config().name(), e.getMessage());
            } else if (!wasStandby) { // retried every second: say it once
                LOG.infof("forward %s: %s", forward.config().name(), e.getMessage());
            }
            return forward.status().getState() == ForwardState.Active;
        }
    }

    private ClientSession connect() throws Exception {
        List<EndpointConfig> hops = hops();
        hostKeyChecks.forEach(HostKeyCheck::forgetRejection);
        List<ClientSession> opened = new ArrayList<>();
        chain = opened;
        SshdSocketAddress through = null;
        for (int i = 0; i < hops.size(); i++) {
            EndpointConfig hop = hops.get(i);
            String host = through == null ? hop.host() : through.getHostName();
            int port = through == null ? hop.port() : through.getPort();
            ClientSession session;
            try {
                session = client.connect(hop.user(), host, port,
                                AttributeRepository.ofKeyValuePair(SshClientFactory.HOST_KEY_CHECK, hostKeyChecks.get(i)), null)
                        .verify(config.connectTimeout())
                        .getSession();
                opened.add(session);
                credentials.get(i).addTo(session);
                try {
                    session.auth().verify(config.connectTimeout());
                } catch (IOException e) {
                    throw new AuthenticationException(hop, e);
                }
            } catch (Exception e) {
                if (i > 0) {
                    // Through a jump host, a refused channel only shows as this hop's session closing.
                    diagnoseJump(opened.get(i - 1), hops.get(i - 1), hop);
                }
                throw e;
            }
            if (i < hops.size() - 1) {
                // ProxyJump: the next hop is reached through a loopback-only forward inside this process.
                EndpointConfig next = hops.get(i + 1);
                through = session.startLocalPortForwarding(new SshdSocketAddress("127.0.0.1", 0),
                        new SshdSocketAddress(next.host(), next.port()));
            }
        }
        return opened.get(opened.size() - 1);
    }

    private record Failure(Reason reason, SessionState state, String message) {
    }

    /** Asks the jump host for a channel to the next hop; a refusal becomes the failure to report. */
    private void diagnoseJump(ClientSession jump, EndpointConfig jumpHop, EndpointConfig next) throws JumpRefusedException {
        try (ChannelDirectTcpip probe = jump.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 0),
                new SshdSocketAddress(next.host(), next.port()))) {
            probe.open().verify(config.connectTimeout());
        } catch (IOException | RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof SshChannelOpenException refused) {
                    throw new JumpRefusedException("jump host " + jumpHop.user() + "@" + jumpHop.knownHostsName() + " refused to "
                            + "open a channel to " + next.host() + ":" + next.port() + " (" + openFailure(refused) + "); allow TCP "
                            + "forwarding to it for this user there (AllowTcpForwarding, permitopen)");
                }
            }
            LOG.debugf("probing jump host %s: %s", jumpHop.knownHostsName(), e.toString());
            // The jump itself went away or the probe failed otherwise: the original failure stands.
        }
    }

    /** RFC 4254 section 5.1 reason codes, which say more than OpenSSH's "open failed". */
    private static String openFailure(SshChannelOpenException refused) {
        String reason = switch (refused.getReasonCode()) {
            case 1 -> "administratively prohibited";
            case 2 -> "connect failed";
            case 3 -> "unknown channel type";
            case 4 -> "resource shortage";
            default -> "reason " + refused.getReasonCode();
        };
        return reason + (refused.getMessage() == null ? "" : ": " + refused.getMessage());
    }

    static final class JumpRefusedException extends Exception {
        JumpRefusedException(String message) {
            super(message);
        }
    }

    private Failure classify(Exception e) {
        for (HostKeyCheck check : hostKeyChecks) {
            var rejection = check.rejection();
            if (rejection.isPresent()) {
                return new Failure(rejection.get().reason(), SessionState.Failed, rejection.get().message());
            }
        }
        if (e instanceof JumpRefusedException refused) {
            return new Failure(Reason.ForwardRejected, SessionState.Failed, refused.getMessage());
        }
        if (e instanceof AuthenticationException auth) {
            return new Failure(Reason.AuthenticationFailed, SessionState.Failed, auth.getMessage());
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String detail = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        if (root instanceof UnknownHostException) {
            return new Failure(Reason.Unreachable, SessionState.Connecting, "unknown host " + detail);
        }
        if (root instanceof ConnectException || root instanceof NoRouteToHostException) {
            return new Failure(Reason.Unreachable, SessionState.Connecting, "cannot connect to " + target() + ": " + detail);
        }
        return new Failure(Reason.Unreachable, SessionState.Connecting, "connecting to " + target() + ": " + detail);
    }

    private HostKeyCheck finalHopCheck() {
        return hostKeyChecks.get(hostKeyChecks.size() - 1);
    }

    private String target() {
        EndpointConfig server = config.server();
        return server.user() + "@" + server.knownHostsName();
    }

    private void closeChain() {
        List<ClientSession> sessions = chain;
        for (int i = sessions.size() - 1; i >= 0; i--) {
            sessions.get(i).close(true);
        }
        chain = List.of();
    }

    private void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The live session; null while disconnected. */
    public ClientSession current() {
        List<ClientSession> sessions = chain;
        return sessions.isEmpty() ? null : sessions.get(sessions.size() - 1);
    }

    /** Stops the loop; forwards are closed by their owner (cancel-tcpip-forward needs the session still open). */
    @Override
    public void close() {
        stopping = true;
        if (loop != null) {
            loop.interrupt();
        }
        closeChain();
        try {
            stopped.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.shutdownNow();
    }

    /** Authentication of a hop failed; the message names the hop, never a credential. */
    static final class AuthenticationException extends Exception {
        AuthenticationException(EndpointConfig hop, IOException cause) {
            super("authentication as " + hop.user() + " to " + hop.knownHostsName() + " failed: "
                    + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()));
        }
    }
}
