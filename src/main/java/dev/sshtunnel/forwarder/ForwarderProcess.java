package dev.sshtunnel.forwarder;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dev.sshtunnel.api.forwarder.ForwarderStatus;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.config.ForwardConfig;
import dev.sshtunnel.config.TunnelConfig;
import dev.sshtunnel.config.TunnelConfigLoader;
import dev.sshtunnel.config.policy.TargetPolicy;
import dev.sshtunnel.forwarder.forward.Forward;
import dev.sshtunnel.forwarder.forward.ForwardThreads;
import dev.sshtunnel.forwarder.forward.PathProbe;
import dev.sshtunnel.forwarder.forward.RemoteTargets;
import dev.sshtunnel.forwarder.http.StatusEndpoints;
import dev.sshtunnel.forwarder.probe.ForwardProbes;
import dev.sshtunnel.forwarder.probe.ProbeLatency;
import dev.sshtunnel.forwarder.session.FirstUseHostKeys;
import dev.sshtunnel.forwarder.session.SessionPool;
import dev.sshtunnel.forwarder.session.SshClientFactory;
import dev.sshtunnel.forwarder.session.TunnelSshClient;

/**
 * The forwarder role: listeners, the SSH session that feeds them, and the status endpoints, for
 * one SshTunnel. {@link #apply} takes a changed tunnel document without a restart: forwards that did
 * not change keep their listener and channels, added ones attach to the running session, removed
 * ones stop accepting and drain; a change of the session's settings connects a new session and
 * moves the forwards to it before the old one is closed. {@link #close()} is the SIGTERM path: stop
 * accepting, cancel remote forwards, let open channels finish within a grace period, then close the session.
 */
public final class ForwarderProcess implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ForwarderProcess.class);
    /** How often the document and secret files are looked at: a change runs within about this long of reaching the disk. */
    public static final Duration WATCH_INTERVAL = Duration.ofSeconds(1);

    private final String listenAddress;
    private final Duration grace;
    /** What Remote targets and SOCKS destinations may resolve to; fixed for the process (pod args). */
    private final TargetPolicy targetPolicy;
    private final TunnelSshClient client;
    /** The I/O and timer threads of the forwards and the SSH client: this forwarder's alone, stopped by {@link #close()}. */
    private final ForwardThreads threads = new ForwardThreads();
    private final Clock clock = Clock.systemUTC();
    private final StatusEndpoints endpoints;
    /** The forwards' probes (spec.forwards[].probe), on one scheduler thread of their own. */
    private final ForwardProbes probes;
    /** Retires removed forwards and replaced sessions once their grace period is over. */
    private final ScheduledExecutorService retirements = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "forwarder-retire");
        t.setDaemon(true);
        return t;
    });
    private final List<Forward> draining = new CopyOnWriteArrayList<>();
    private volatile TunnelConfig config;
    /** The forwards of {@link #config}, in its order. */
    private volatile List<Forward> forwards;
    /** AcceptNew's first-use decisions: one per process, shared by every session and every pool that replaces one. */
    private final FirstUseHostKeys firstUse = new FirstUseHostKeys();
    /** The tunnel's SSH sessions (spec.ssh.sessions of them). */
    private volatile SessionPool session;
    /** The sessions being replaced: their status stands until the new ones have connected or failed. */
    private volatile SessionPool handingOver;
    private volatile String documentError;
    private TunnelDocumentWatch watch;

    /** Without a target policy: a hand run's behaviour. */
    public ForwarderProcess(TunnelConfig config, String listenAddress, String httpAddress, int httpPort, Duration grace)
            throws IOException {
        this(config, listenAddress, httpAddress, httpPort, grace, TargetPolicy.OPEN);
    }

    /**
     * Binds every listener and the HTTP port, then starts connecting. Fails fast on a listener that cannot bind.
     * targetPolicy: what Remote forward targets and Dynamic forward destinations may resolve to.
     */
    public ForwarderProcess(TunnelConfig config, String listenAddress, String httpAddress, int httpPort, Duration grace,
            TargetPolicy targetPolicy) throws IOException {
        this.config = config;
        this.listenAddress = listenAddress;
        this.grace = grace;
        this.targetPolicy = targetPolicy;
        List<Forward> created = new ArrayList<>();
        for (ForwardConfig forward : config.forwards()) {
            created.add(Forward.create(forward, listenAddress, threads, targetPolicy));
        }
        forwards = List.copyOf(created);
        client = SshClientFactory.create(threads);
        probes = new ForwardProbes(new PathProbe(threads, targetPolicy), clock);
        RemoteTargets.install(client, config.connectTimeout(), threads, targetPolicy);
        try {
            session = new SessionPool(config, () -> forwards, List.of(), client, clock, firstUse);
            for (Forward forward : forwards) {
                forward.start();
            }
            endpoints = new StatusEndpoints(httpAddress, httpPort, this::snapshot, config.namespace(), config.name());
        } catch (IOException | RuntimeException e) {
            forwards.forEach(Forward::close);
            probes.close();
            threads.close();
            throw e;
        }
        client.start();
        session.start();
        probes.reconcile(forwards, config.forwards());
        LOG.infof("forwarder for %s started: %d forwards, %d SSH session%s, status on %s:%d", config.name(), forwards.size(),
                session.size(), session.size() == 1 ? "" : "s", httpAddress, endpoints.port());
    }

    /**
     * Follows the tunnel document and the secret files from now on (the ConfigMap and Secret volumes
     * the kubelet updates in place, or the file given to {@code forward -f}), applying each change.
     */
    public synchronized void watch(Path document, Path secretsDir, TunnelConfigLoader loader, Duration interval) {
        if (watch == null) {
            watch = new TunnelDocumentWatch(document, secretsDir, loader, interval, this::apply, this::rejected);
        }
    }

    /** Runs {@code next} from now on, touching only what differs from the running config. */
    public synchronized void apply(TunnelConfig next) {
        documentError = null;
        TunnelConfig running = config;
        if (next.equals(running)) {
            return;
        }
        Map<String, ForwardConfig> wanted = new LinkedHashMap<>();
        next.forwards().forEach(f -> wanted.put(f.name(), f));
        Map<String, Forward> kept = new LinkedHashMap<>();
        List<String> removed = new ArrayList<>();
        // Removed and changed forwards stop first, so that a changed one can bind its port again. A change of the
        // probe alone keeps the forward (its listener and channels): the probes follow the new config below.
        for (Forward forward : forwards) {
            ForwardConfig want = wanted.get(forward.config().name());
            if (want != null && forward.config().withoutProbe().equals(want.withoutProbe())) {
                kept.put(forward.config().name(), forward);
            } else {
                removed.add(forward.config().name());
                forward.close();
                drain(forward);
            }
        }
        List<Forward> result = new ArrayList<>();
        List<String> added = new ArrayList<>();
        for (ForwardConfig forward : next.forwards()) {
            Forward existing = kept.get(forward.name());
            if (existing != null) {
                result.add(existing);
                continue;
            }
            Forward created = Forward.create(forward, listenAddress, threads, targetPolicy);
            try {
                created.start();
            } catch (IOException e) {
                // Reported as Failed in its status; the session retries binding it when it attaches the forward.
                LOG.errorf("forward %s: %s", forward.name(), e.getMessage());
            }
            result.add(created);
            added.add(forward.name());
        }
        forwards = List.copyOf(result);
        config = next;
        probes.reconcile(forwards, next.forwards());
        boolean newSession = !next.sessionSettings().equals(running.sessionSettings())
                && !(next.sessionSettings().ignoringHostKeys().equals(running.sessionSettings().ignoringHostKeys())
                        && session.trusts(next));
        if (newSession) {
            replaceSession(next);
        } else {
            session.useConfig(next);
            session.forwardsChanged();
        }
        LOG.infof("tunnel document applied (generation %s): forwards added or changed %s, removed or changed %s; %s",
                next.generation(), added, removed, newSession ? "connecting a new session for the changed SSH settings"
                        : "session kept");
    }

    private void rejected(String error) {
        documentError = error;
        LOG.errorf("tunnel document not applied, still running generation %s: %s", config.generation(), error);
    }

    /** A removed forward: its open channels may finish within the grace period, then they are closed. */
    private void drain(Forward forward) {
        draining.add(forward);
        retirements.schedule(() -> {
            forward.abortChannels();
            draining.remove(forward);
        }, grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Make before break: the new session connects while the old one keeps serving; the forwards move
     * to the new one as it attaches them (a Remote forward cancels on the old session first), then the
     * old one is retired with the grace period for the channels still open on it.
     */
    private void replaceSession(TunnelConfig next) {
        SessionPool old = session;
        SessionPool fresh = new SessionPool(next, () -> forwards, old.successorBoards(), client, clock, firstUse);
        old.stopReconnecting();
        handingOver = old;
        session = fresh;
        fresh.start();
        Thread handover = new Thread(() -> {
            while (!fresh.settled() && session == fresh) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
            old.retire(grace);
            if (handingOver == old) {
                handingOver = null;
            }
        }, "ssh-session-handover");
        handover.setDaemon(true);
        handover.start();
    }

    /** What GET /status answers now. */
    public ForwarderStatus status() {
        return snapshot().status();
    }

    StatusEndpoints.Snapshot snapshot() {
        List<Forward> current = forwards;
        List<ForwardStatus> statuses = new ArrayList<>();
        Map<String, long[]> bytes = new LinkedHashMap<>();
        Map<String, ProbeLatency.Snapshot> probeLatency = new LinkedHashMap<>();
        for (Forward forward : current) {
            String name = forward.config().name();
            ForwardStatus status = forward.status();
            status.setProbe(probes.status(name));
            statuses.add(status);
            bytes.put(name, new long[] {forward.bytesSent(), forward.bytesReceived()});
            ProbeLatency.Snapshot latency = probes.latency(name);
            if (latency != null) {
                probeLatency.put(name, latency);
            }
        }
        SessionPool shown = handingOver != null ? handingOver : session;
        return new StatusEndpoints.Snapshot(
                new ForwarderStatus(config.generation(), documentError, shown.summary(), shown.each(), statuses), bytes,
                probeLatency, probes.failingReadiness());
    }

    public int httpPort() {
        return endpoints.port();
    }

    public List<Forward> forwards() {
        return forwards;
    }

    /** The running sessions: for tests that cut one. */
    public SessionPool sessions() {
        return session;
    }

    @Override
    public void close() {
        LOG.info("forwarder stopping: no new connections, cancelling remote forwards");
        TunnelDocumentWatch watching;
        synchronized (this) {
            watching = watch;
        }
        if (watching != null) {
            watching.close();
        }
        probes.close();
        forwards.forEach(Forward::close);
        Instant deadline = Instant.now().plus(grace);
        while (Instant.now().isBefore(deadline) && activeChannels() > 0) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = activeChannels();
        if (left > 0) {
            LOG.warnf("forwarder stopping with %d channels still open after %ds", left, grace.toSeconds());
        }
        SessionPool old = handingOver;
        if (old != null) {
            old.close();
        }
        session.close();
        endpoints.close();
        retirements.shutdownNow();
        try {
            client.stop();
        } catch (RuntimeException e) {
            LOG.debugf("ssh client stop: %s", e.getMessage());
        }
        threads.close();
        LOG.info("forwarder stopped");
    }

    private int activeChannels() {
        List<Forward> all = new ArrayList<>(forwards);
        all.addAll(draining);
        return all.stream().map(Forward::status).mapToInt(s -> s.getActiveChannels() == null ? 0 : s.getActiveChannels()).sum();
    }
}
