package dev.sshtunnel.operator.observe;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.OperatorConfig;
import dev.sshtunnel.operator.status.ChannelCounters;
import dev.sshtunnel.operator.status.ForwarderReport;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.ExternalResourceCachingEventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/**
 * A polling event source for the forwarders' GET /status: reads happen on a few threads of their
 * own, never on a reconcile thread, and a reconcile is triggered only when a report changed in more
 * than its channel counters (or the pods it was read from did); counters that moved alone go to
 * {@link ChannelCounterWrites}, which writes them on its own schedule. Settled tunnels (session up, every forward active) are read every poll
 * period, anything in transition every second, and a tunnel whose pods changed (readiness, phase,
 * address) since their last read at once — {@link #staleFor} tells the reconciler to wait for that
 * read instead of folding a new pod state with an old report.
 */
public final class ForwarderStatusPolling extends ExternalResourceCachingEventSource<ForwarderReport, SshTunnel> {

    public static final String EVENT_SOURCE = "forwarder-status";
    private static final Logger LOG = Logger.getLogger(ForwarderStatusPolling.class);
    private static final Duration TRANSITION_PERIOD = Duration.ofSeconds(1);
    private static final long TICK_MILLIS = 200;

    private final IndexerResourceCache<SshTunnel> tunnels;
    private final InformerEventSource<Pod, SshTunnel> pods;
    private final ForwarderStatusReader reader;
    private final ChannelCounterWrites counters;
    private final Duration settledPeriod;
    private final int threads;
    private final Map<ResourceID, Instant> due = new ConcurrentHashMap<>();
    private final Map<ResourceID, String> readFromPods = new ConcurrentHashMap<>();
    private final Set<ResourceID> reading = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService scheduler;
    private ExecutorService readers;

    public ForwarderStatusPolling(EventSourceContext<SshTunnel> context, InformerEventSource<Pod, SshTunnel> pods,
            ForwarderStatusReader reader, OperatorConfig.Status config, ChannelCounterWrites counters) {
        super(EVENT_SOURCE, ForwarderReport.class, ForwarderReport::podName);
        this.tunnels = context.getPrimaryCache();
        this.pods = pods;
        this.reader = reader;
        this.counters = counters;
        this.settledPeriod = config.pollPeriod();
        this.threads = config.pollThreads();
    }

    @Override
    public void start() throws OperatorException {
        scheduler = Executors.newSingleThreadScheduledExecutor(named("forwarder-status-schedule"));
        readers = Executors.newFixedThreadPool(threads, named("forwarder-status-read"));
        scheduler.scheduleWithFixedDelay(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        counters.start();
        super.start();
    }

    @Override
    public void stop() throws OperatorException {
        if (scheduler != null) {
            scheduler.shutdownNow();
            readers.shutdownNow();
        }
        counters.stop();
        super.stop();
    }

    /**
     * True when the tunnel's pods changed since their reports were read (or were never read); a read
     * is then due at once, and its result triggers the next reconcile.
     */
    public boolean staleFor(SshTunnel tunnel) {
        ResourceID id = ResourceID.fromResource(tunnel);
        Set<Pod> current = pods.getSecondaryResources(tunnel);
        String podsNow = signature(current);
        if (Objects.equals(readFromPods.get(id), podsNow)) {
            return false;
        }
        if (current.stream().noneMatch(ForwarderPods::answering)) {
            // Nothing to ask (no pod runs with an address): a read would find no report, so it is taken as done here
            // rather than costing the tunnel a second reconcile once the poll has found nothing (every tunnel of a
            // cluster starting up, and a tunnel whose pods cannot be scheduled).
            readFromPods.put(id, podsNow);
            handleResources(id, Set.of(), false);
            due.put(id, Instant.now().plus(TRANSITION_PERIOD));
            return false;
        }
        due.put(id, Instant.EPOCH);
        return true;
    }

    private void tick() {
        try {
            Instant now = Instant.now();
            Set<ResourceID> present = new HashSet<>();
            tunnels.list().forEach(tunnel -> {
                ResourceID id = ResourceID.fromResource(tunnel);
                present.add(id);
                if (!now.isBefore(due.getOrDefault(id, Instant.EPOCH)) && reading.add(id)) {
                    try {
                        readers.execute(() -> read(id));
                    } catch (RejectedExecutionException e) {
                        reading.remove(id);
                    }
                }
            });
            for (ResourceID gone : Set.copyOf(readFromPods.keySet())) {
                if (!present.contains(gone)) {
                    readFromPods.remove(gone);
                    due.remove(gone);
                    counters.forget(gone);
                    handleDelete(gone);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("forwarder status polling: %s", e.toString());
        }
    }

    private void read(ResourceID id) {
        try {
            SshTunnel tunnel = tunnels.get(id).orElse(null);
            if (tunnel == null) {
                return;
            }
            Set<Pod> current = pods.getSecondaryResources(tunnel);
            String podsNow = signature(current);
            Set<ForwarderReport> reports = new HashSet<>(reader.read(current));
            Set<ForwarderReport> before = getSecondaryResources(id);
            // Reports equal as read need no counter-free copies (a JSON clone of each): the common case of a settled tunnel.
            boolean same = reports.equals(before);
            boolean changed = !podsNow.equals(readFromPods.get(id))
                    || !same && !withoutCounters(reports).equals(withoutCounters(before));
            boolean countersMoved = !changed && !same;
            readFromPods.put(id, podsNow);
            due.put(id, Instant.now().plus(!reports.isEmpty() && reports.stream().allMatch(ForwarderReport::up)
                    ? settledPeriod : TRANSITION_PERIOD));
            handleResources(id, reports, false);
            if (changed && isRunning()) {
                getEventHandler().handleEvent(new Event(id));
            } else if (countersMoved) {
                counters.moved(id);
            }
        } catch (RuntimeException e) {
            LOG.warnf("reading forwarder status of %s: %s", id, e.toString());
        } finally {
            reading.remove(id);
        }
    }

    /** The reports of one tunnel as last read (empty before the first read). */
    public Set<ForwarderReport> reportsOf(ResourceID tunnel) {
        return getSecondaryResources(tunnel);
    }

    private static Set<ForwarderReport> withoutCounters(Set<ForwarderReport> reports) {
        return reports.stream().map(ChannelCounters::cleared).collect(Collectors.toSet());
    }

    /** What of the pods the reports depend on ({@link ForwarderPods#signature}). */
    private static String signature(Set<Pod> pods) {
        return pods.stream().map(ForwarderPods::signature).sorted().collect(Collectors.joining(","));
    }

    private static ThreadFactory named(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
