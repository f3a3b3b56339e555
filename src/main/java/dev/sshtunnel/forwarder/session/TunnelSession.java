package dev.sshtunnel.forwarder.session;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiPredicate;
import java.util.function.Supplier;

import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.session.helpers.AbstractConnectionService;
import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.config.EndpointConfig;
import dev.sshtunnel.config.TunnelConfig;
import dev.sshtunnel.forwarder.forward.Forward;
import dev.sshtunnel.forwarder.session.SessionFailureClassifier.Failure;
import dev.sshtunnel.untrusted.UntrustedText;

/**
 * Holds one SSH session (through the jump chain) open forever: connect, authenticate, attach
 * every forward; on loss, detach, wait a jittered backoff and do it again. Failures of any kind,
 * authentication and host key included, back off too: no hot loop against a server.
 */
public final class TunnelSession implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TunnelSession.class);
    /** A standby Remote forward asks for its port this often: the takeover delay after the holder lets go. */
    static final Duration STANDBY_RETRY = Duration.ofSeconds(1);

    /** Replaced by {@link #useConfig} when only the content of its Secrets changed; its session settings never change. */
    private volatile TunnelConfig config;
    private final Supplier<List<Forward>> forwards;
    /** Which of the forwards this session attaches: in a pool, Remote forwards go to one session only. */
    private final BiPredicate<TunnelSession, Forward> attaches;
    /** Told when this session has connected or been lost: the pool moves its Remote forwards then. */
    private final Runnable stateChanged;
    private final SessionStatusBoard board;
    private final HopChainConnector connector;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    /** One per hop, for the next connect; replaced whole by {@link #useConfig}. */
    private volatile List<HostKeyCheck> hostKeyChecks;
    /** The process's AcceptNew decisions, which every session's checks share. */
    private final FirstUseHostKeys firstUse;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Wakes the session loop: the forward set changed, the session closed, or the loop must stop. */
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean stopping;
    /** False once a replacement session exists: after a loss this one ends instead of reconnecting. */
    private volatile boolean reconnecting = true;
    private volatile Duration retireGrace;
    private volatile List<ClientSession> chain = List.of();
    private Thread loop;

    /**
     * {@code forwards} is read on every wake-up: forwards added by a live change are attached to the
     * running session, removed ones are closed by their owner. Credentials are read from the config
     * before every connect: a rotated Secret is used on the next (re)connect, and credentials that
     * cannot be loaded (malformed key, wrong passphrase) are reported as AuthenticationFailed and
     * retried with backoff, so fixing the Secret is enough — no restart. Made by a {@link SessionPool}:
     * {@code attaches} says which forwards this session takes, {@code stateChanged} runs when it connects or is lost.
     */
    TunnelSession(TunnelConfig config, Supplier<List<Forward>> forwards, BiPredicate<TunnelSession, Forward> attaches,
            Runnable stateChanged, SessionStatusBoard board, TunnelSshClient client, Clock clock, FirstUseHostKeys firstUse) {
        this.config = config;
        this.firstUse = firstUse;
        this.forwards = forwards;
        this.attaches = attaches;
        this.stateChanged = stateChanged;
        this.board = board;
        this.connector = new HopChainConnector(client);
        this.clock = clock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ssh-keepalive");
            t.setDaemon(true);
            return t;
        });
        hostKeyChecks = hostKeyChecks(config);
    }

    private List<HostKeyCheck> hostKeyChecks(TunnelConfig config) {
        return config.hops().stream().map(hop -> new HostKeyCheck(hop, firstUse)).toList();
    }

    /**
     * The same session with new Secret content or new host key rules, used from the next connect on.
     * Host key rules may change only when they accept the keys of the live session ({@link #trusts}).
     */
    public void useConfig(TunnelConfig next) {
        if (!next.sessionSettings().ignoringHostKeys().equals(config.sessionSettings().ignoringHostKeys())) {
            throw new IllegalArgumentException("a session's settings do not change; replace the session");
        }
        if (!next.sessionSettings().equals(config.sessionSettings())) {
            hostKeyChecks = hostKeyChecks(next);
        }
        config = next;
    }

    /**
     * Whether the host key rules of {@code next} accept every key of the live chain: then a change of
     * the rules alone (AcceptNew pinned to the key accepted, a second key listed ahead of a rotation)
     * needs no new session. False while no session is up.
     */
    public boolean trusts(TunnelConfig next) {
        List<ClientSession> live = chain;
        List<EndpointConfig> hops = next.hops();
        if (live.size() != hops.size() || live.stream().anyMatch(s -> !s.isOpen() || s.getServerKey() == null)) {
            return false;
        }
        for (int i = 0; i < hops.size(); i++) {
            ClientSession hop = live.get(i);
            if (!new HostKeyCheck(hops.get(i), firstUse).verifyServerKey(hop, hop.getRemoteAddress(), hop.getServerKey())) {
                return false;
            }
        }
        return true;
    }

    /**
     * A new session is taking over: if this one is lost meanwhile, it does not come back, and listeners
     * prefer the new one for new connections as soon as it is attached.
     */
    public void stopReconnecting() {
        reconnecting = false;
        markRetiring();
    }

    private void markRetiring() {
        ClientSession live = current();
        if (live != null) {
            live.setAttribute(Forward.RETIRING, Boolean.TRUE);
        }
    }

    /** Authenticated and not lost since. */
    public boolean connected() {
        return current() != null && board.snapshot().getState() == SessionState.Connected;
    }

    /** The forward set changed: attach what is new to the live session now. */
    public void forwardsChanged() {
        wake.release();
    }

    public SessionStatusBoard board() {
        return board;
    }

    public void start() {
        loop = new Thread(this::run, "ssh-session");
        loop.setDaemon(true);
        loop.start();
    }

    private void run() {
        Backoff backoff = new Backoff(config.minBackoff(), config.maxBackoff());
        while (!stopping && reconnecting) {
            board.connecting();
            ClientSession session;
            try {
                session = connect();
            } catch (Exception e) {
                Failure failure = SessionFailureClassifier.classify(e, hostKeyRejection(), target());
                board.failed(failure.state(), failure.reason(), failure.message(), finalHopCheck().presentedFingerprint());
                LOG.warnf("session to %s failed: %s: %s", target(), failure.reason(), failure.message());
                closeChain();
                pause(backoff.next());
                continue;
            }
            backoff.reset();
            Set<Forward> attached = Collections.newSetFromMap(new IdentityHashMap<>());
            String lost = holdSession(session, attached);
            if (stopping && retireGrace != null) {
                drain(session, retireGrace);
            }
            attached.forEach(forward -> forward.detach(session));
            closeChain();
            if (!stopping) {
                board.disconnected(Reason.Unreachable, "session lost: " + lost);
                LOG.warnf("session to %s lost: %s", target(), lost);
                stateChanged.run();
                pause(backoff.next());
            }
        }
        stopped.countDown();
    }

    /** Attaches the forwards and blocks until the session ends or the loop stops; returns why the session ended. */
    private String holdSession(ClientSession session, Set<Forward> attached) {
        AtomicReference<String> deadReason = new AtomicReference<>();
        session.addCloseFutureListener(f -> wake.release());
        try (KeepAlive keepAlive = new KeepAlive(session, config.keepAliveInterval(), config.keepAliveMaxMissed(), scheduler,
                reason -> {
                    deadReason.set(reason);
                    session.close(true);
                })) {
            String serverVersion = UntrustedText.clean(session.getServerVersion(), UntrustedText.FIELD); // the server's own text
            board.connected(serverVersion, HostKeyCheck.fingerprint(session.getServerKey()),
                    session.getNegotiatedKexParameter(KexProposalOption.C2SENC), clock.instant());
            LOG.infof("session to %s established (%s, %s)", target(), serverVersion,
                    session.getNegotiatedKexParameter(KexProposalOption.C2SENC));
            stateChanged.run();
            Backoff forwardBackoff = new Backoff(config.minBackoff(), config.maxBackoff());
            while (!stopping && session.isOpen()) {
                boolean pending = false;
                boolean standby = false;
                for (Forward forward : forwards.get()) {
                    if (!attached.contains(forward) && attaches.test(this, forward)) {
                        if (attach(forward, session)) {
                            attached.add(forward);
                        } else {
                            pending = true;
                            standby |= forward.status().getState() == ForwardState.Standby;
                        }
                    }
                }
                Duration wait = !pending ? Duration.ofDays(1) : standby ? STANDBY_RETRY : forwardBackoff.next();
                if (!pending) {
                    forwardBackoff.reset();
                }
                try {
                    wake.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return deadReason.get() != null ? deadReason.get() : "connection closed";
    }

    /** A retired session: channels still open on it may finish, for the grace period at most. */
    private static void drain(ClientSession session, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        AbstractConnectionService connections = session.getService(AbstractConnectionService.class);
        while (connections != null && session.isOpen() && !connections.getChannels().isEmpty()
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        int left = connections == null || !session.isOpen() ? 0 : connections.getChannels().size();
        if (left > 0) {
            LOG.infof("replaced session closing with %d channels still open after %ds", left, grace.toSeconds());
        }
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
        List<ClientSession> opened = new ArrayList<>();
        chain = opened;
        return connector.connect(config, hostKeyChecks, opened);
    }

    /** The first hop whose key this attempt refused: that, not MINA's exception, says why it failed. */
    private Optional<HostKeyCheck.Rejection> hostKeyRejection() {
        return hostKeyChecks.stream().map(HostKeyCheck::rejection).flatMap(Optional::stream).findFirst();
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

    /** Waits out a backoff; {@link #close} cuts it short. */
    private void pause(Duration duration) {
        try {
            wake.tryAcquire(duration.toMillis(), TimeUnit.MILLISECONDS);
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
        wake.release();
        if (loop != null) {
            loop.interrupt();
        }
        closeChain();
        awaitStopped(Duration.ofSeconds(5));
        scheduler.shutdownNow();
    }

    /**
     * This session was replaced by a live change and its forwards have moved to the new one: stop
     * reconnecting, let the channels still open on it finish within {@code grace}, then close it.
     * Returns at once.
     */
    public void retire(Duration grace) {
        markRetiring();
        retireGrace = grace;
        stopping = true;
        wake.release();
        Thread closer = new Thread(() -> {
            awaitStopped(grace.plusSeconds(5));
            closeChain();
            scheduler.shutdownNow();
        }, "ssh-session-retire");
        closer.setDaemon(true);
        closer.start();
    }

    private void awaitStopped(Duration timeout) {
        try {
            stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
