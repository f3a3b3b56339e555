package dev.sshtunnel.operator.observe;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;
import dev.sshtunnel.operator.status.ForwarderReport;
import dev.sshtunnel.operator.status.SshTunnelStatusAggregator;
import dev.sshtunnel.operator.status.StatusChange;
import dev.sshtunnel.operator.status.StatusWriteLimiter;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;

/**
 * Writes channel counters to status between reconciles. Traffic moves them on every poll, and a change
 * of them alone triggers no reconcile ({@link ForwarderStatusPolling}): this writes them on its own
 * thread, at most once per the {@link StatusWriteLimiter}'s counter interval per tunnel, as a status
 * update carrying the cached resourceVersion, so a status the reconciler wrote meanwhile is never
 * overwritten (the update fails with 409 and is tried again). Only tunnels this replica reconciled
 * are written: the leader's.
 */
public final class ChannelCounterWrites {

    private static final Logger LOG = Logger.getLogger(ChannelCounterWrites.class);
    private static final Duration CONFLICT_RETRY = Duration.ofSeconds(1);

    private final KubernetesClient client;
    private final IndexerResourceCache<SshTunnel> tunnels;
    private final Function<ResourceID, Set<ForwarderReport>> reports;
    private final SshTunnelStatusAggregator aggregator;
    private final StatusWriteLimiter limiter;
    private final Set<ResourceID> reconciled = ConcurrentHashMap.newKeySet();
    private final Set<ResourceID> scheduled = ConcurrentHashMap.newKeySet();
    private volatile ScheduledExecutorService scheduler;

    public ChannelCounterWrites(KubernetesClient client, IndexerResourceCache<SshTunnel> tunnels,
            Function<ResourceID, Set<ForwarderReport>> reports, SshTunnelStatusAggregator aggregator, StatusWriteLimiter limiter) {
        this.client = client;
        this.tunnels = tunnels;
        this.reports = reports;
        this.aggregator = aggregator;
        this.limiter = limiter;
    }

    void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "channel-counter-writes");
            thread.setDaemon(true);
            return thread;
        });
    }

    void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** The reconciler wrote or checked this tunnel's status: its counters are this replica's to write. */
    public void reconciled(ResourceID tunnel) {
        reconciled.add(tunnel);
    }

    /** The tunnel is gone. */
    void forget(ResourceID tunnel) {
        reconciled.remove(tunnel);
    }

    /** Counters moved and nothing else did: write them when the limiter allows. */
    public void moved(ResourceID tunnel) {
        if (reconciled.contains(tunnel)) {
            schedule(tunnel, limiter.waitBeforeWrite(tunnel, StatusChange.COUNTERS_ONLY));
        }
    }

    private void schedule(ResourceID tunnel, Duration delay) {
        ScheduledExecutorService current = scheduler;
        if (current == null || !scheduled.add(tunnel)) {
            return;
        }
        try {
            current.schedule(() -> write(tunnel), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            scheduled.remove(tunnel);
        }
    }

    private void write(ResourceID id) {
        scheduled.remove(id);
        try {
            SshTunnel tunnel = tunnels.get(id).orElse(null);
            if (tunnel == null) {
                reconciled.remove(id);
                return;
            }
            if (tunnel.getStatus() == null) {
                return;
            }
            Duration wait = limiter.waitBeforeWrite(id, StatusChange.COUNTERS_ONLY);
            if (!wait.isZero()) {
                schedule(id, wait);
                return;
            }
            List<ForwarderReport> current = reports.apply(id).stream().sorted(Comparator.comparing(ForwarderReport::podName)).toList();
            SshTunnelStatus next = aggregator.withCounters(tunnel.getStatus(), current);
            if (next.equals(tunnel.getStatus())) {
                return;
            }
            SshTunnel update = Serialization.clone(tunnel);
            update.setStatus(next);
            client.resource(update).updateStatus();
            limiter.wrote(id);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                // The reconciler wrote status since the cache was read: try again with the newer one.
                schedule(id, CONFLICT_RETRY);
            } else {
                LOG.warnf("writing channel counters of %s: %s", id, e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.warnf("writing channel counters of %s: %s", id, e.toString());
        }
    }
}
