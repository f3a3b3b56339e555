package dev.sshtunnel.forwarder.probe;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.ProbeState;
import dev.sshtunnel.api.v1alpha1.ProbeStatus;
import dev.sshtunnel.config.ForwardConfig;
import dev.sshtunnel.config.ProbeConfig;
import dev.sshtunnel.forwarder.forward.Forward;
import dev.sshtunnel.forwarder.forward.PathProbe;

/**
 * The probes of one forwarder's forwards, on one shared scheduler thread: a tick only starts a probe (channel opens
 * and connects are asynchronous, {@link PathProbe}), so one thread paces a thousand forwards. A forward's ticks are
 * at a fixed rate of its interval, from a random phase within the first interval so that many forwards do not probe
 * in the same instant; a tick whose previous probe is still out is skipped: at most one probe per forward is in
 * flight, and the interval is the only retry pace, also for a server that refuses probes.
 */
public final class ForwardProbes implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ForwardProbes.class);

    private final PathProbe probe;
    private final Clock clock;
    private final ScheduledThreadPoolExecutor scheduler;
    private final Map<String, Runner> running = new ConcurrentHashMap<>();

    /** Owns {@code probe}: closes it with the rest. */
    public ForwardProbes(PathProbe probe, Clock clock) {
        this.probe = probe;
        this.clock = clock;
        this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "forward-probe");
            t.setDaemon(true);
            return t;
        });
        // A removed or changed probe's ticks leave the queue at once.
        scheduler.setRemoveOnCancelPolicy(true);
    }

    /**
     * Probes each forward whose config has a probe, from now on: {@code configs[i]} is what {@code forwards[i]} runs
     * (its probe may differ from the one the forward was created with: a probe change keeps the forward). A probe
     * kept unchanged on the same forward keeps its state; a changed one starts over as Unknown; a removed one stops.
     */
    public synchronized void reconcile(List<Forward> forwards, List<ForwardConfig> configs) {
        Set<String> wanted = new HashSet<>();
        for (int i = 0; i < forwards.size(); i++) {
            Forward forward = forwards.get(i);
            ProbeConfig config = configs.get(i).probe();
            String name = configs.get(i).name();
            Runner current = running.get(name);
            if (config == null) {
                continue;
            }
            wanted.add(name);
            if (current != null && current.forward == forward && current.config.equals(config)) {
                continue;
            }
            if (current != null) {
                current.stop();
            }
            Runner started = new Runner(forward, config);
            running.put(name, started);
            started.start();
        }
        for (String name : new ArrayList<>(running.keySet())) {
            if (!wanted.contains(name)) {
                running.remove(name).stop();
            }
        }
    }

    /** The probe state of a forward; null when it has no probe. */
    public ProbeStatus status(String forward) {
        Runner runner = running.get(forward);
        return runner == null ? null : runner.tally.snapshot();
    }

    /** How long a forward's probes took so far; null when it has no probe. */
    public ProbeLatency.Snapshot latency(String forward) {
        Runner runner = running.get(forward);
        return runner == null ? null : runner.latency.snapshot();
    }

    /** The forwards with affectsReadiness whose probe is Failing: while there is one, the pod is not ready. */
    public List<String> failingReadiness() {
        return running.values().stream().filter(r -> r.config.affectsReadiness() && r.tally.state() == ProbeState.Failing)
                .map(r -> r.forward.config().name()).sorted().toList();
    }

    @Override
    public synchronized void close() {
        running.values().forEach(Runner::stop);
        running.clear();
        scheduler.shutdownNow();
        probe.close();
    }

    private final class Runner {
        final Forward forward;
        final ProbeConfig config;
        final ProbeTally tally;
        final ProbeLatency latency = new ProbeLatency();
        private final AtomicBoolean inFlight = new AtomicBoolean();
        private volatile boolean stopped;
        private ScheduledFuture<?> ticks;

        Runner(Forward forward, ProbeConfig config) {
            this.forward = forward;
            this.config = config;
            this.tally = new ProbeTally(config.failureThreshold(), config.successThreshold());
        }

        void start() {
            long interval = config.interval().toMillis();
            ticks = scheduler.scheduleAtFixedRate(this::tick, ThreadLocalRandom.current().nextLong(interval), interval,
                    TimeUnit.MILLISECONDS);
        }

        void stop() {
            stopped = true;
            if (ticks != null) {
                ticks.cancel(false);
            }
        }

        private void tick() {
            if (stopped || !inFlight.compareAndSet(false, true)) {
                return;
            }
            try {
                probe.run(forward, config).whenComplete((outcome, e) -> {
                    inFlight.set(false);
                    if (!stopped) {
                        record(outcome, e);
                    }
                });
            } catch (RuntimeException e) {
                inFlight.set(false);
                record(null, e);
            }
        }

        private void record(PathProbe.Outcome outcome, Throwable error) {
            ProbeState before = tally.state();
            if (error != null) {
                tally.failed("probe failed: " + error);
            } else if (outcome instanceof PathProbe.Reached reached) {
                latency.observe(reached.latency());
                tally.succeeded(reached.latency(), clock.instant());
            } else if (outcome instanceof PathProbe.Failed failed) {
                latency.observe(failed.latency());
                tally.failed(failed.message());
            } else {
                tally.notSent(((PathProbe.NotSent) outcome).message());
            }
            ProbeState after = tally.state();
            if (after != before) {
                ProbeStatus now = tally.snapshot();
                if (after == ProbeState.Failing) {
                    LOG.warnf("forward %s: probe Failing after %d failures: %s", forward.config().name(), now.getConsecutiveFailures(),
                            now.getMessage());
                } else {
                    LOG.infof("forward %s: probe %s", forward.config().name(), after);
                }
            }
        }
    }
}
