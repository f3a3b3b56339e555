package dev.sshtunnel.operator;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.status.ConditionTypes;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

/**
 * The operator's view of the fleet on /q/metrics: tunnels by the reason of their Ready condition,
 * read from the informer cache at scrape time (so deleted tunnels disappear without bookkeeping).
 */
@ApplicationScoped
public class TunnelMetrics {

    static final String TUNNELS = "sshtunnel_tunnels";
    static final String TUNNEL_READY = "sshtunnel_tunnel_ready";
    /** How often the per-tunnel series are rebuilt from the cache (deleted tunnels drop out then). */
    static final Duration TUNNEL_READY_REFRESH = Duration.ofSeconds(5);

    @Inject
    MeterRegistry registry;

    void bind(IndexedResourceCache<SshTunnel> tunnels) {
        for (Reason reason : Reason.values()) {
            Gauge.builder(TUNNELS, tunnels, cache -> count(cache, reason.name()))
                    .description("SshTunnels by the reason of their Ready condition")
                    .tag("reason", reason.name())
                    .register(registry);
        }
        Gauge.builder(TUNNELS, tunnels, cache -> count(cache, null))
                .description("SshTunnels by the reason of their Ready condition")
                .tag("reason", "None")
                .register(registry);
        // One series per tunnel, what alerts such as "not Ready for 10 minutes" need (kube-state-metrics style).
        MultiGauge ready = MultiGauge.builder(TUNNEL_READY)
                .description("1 while the SshTunnel's Ready condition is True; reason: its Ready reason")
                .register(registry);
        var refresh = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tunnel-metrics");
            t.setDaemon(true);
            return t;
        });
        refresh.scheduleWithFixedDelay(() -> refresh(ready, tunnels), 0, TUNNEL_READY_REFRESH.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private static void refresh(MultiGauge ready, IndexedResourceCache<SshTunnel> tunnels) {
        try {
            ready.register(tunnels.list().map(tunnel -> {
                Optional<Condition> condition = readyCondition(tunnel);
                return MultiGauge.Row.of(Tags.of("namespace", tunnel.getMetadata().getNamespace(),
                                "tunnel", tunnel.getMetadata().getName(),
                                "reason", condition.map(Condition::getReason).orElse("None")),
                        condition.filter(c -> "True".equals(c.getStatus())).isPresent() ? 1 : 0);
            }).toList(), true);
        } catch (RuntimeException e) {
            // A failed refresh must not end the schedule; the next one rebuilds every series.
            Logger.getLogger(TunnelMetrics.class).debugf("tunnel metrics refresh: %s", e.toString());
        }
    }

    private static long count(IndexedResourceCache<SshTunnel> cache, String reason) {
        return cache.list().filter(tunnel -> Objects.equals(readyCondition(tunnel).map(Condition::getReason)
                .orElse(null), reason)).count();
    }

    private static Optional<Condition> readyCondition(SshTunnel tunnel) {
        return tunnel.getStatus() == null ? Optional.empty()
                : tunnel.getStatus().getConditions().stream().filter(c -> ConditionTypes.READY.equals(c.getType())).findFirst();
    }
}
