package dev.sshtunnel.operator;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.status.ConditionTypes;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The operator's view of the fleet on /q/metrics: tunnels by the reason of their Ready condition,
 * read from the informer cache at scrape time (so deleted tunnels disappear without bookkeeping).
 */
@ApplicationScoped
public class TunnelMetrics {

    static final String TUNNELS = "sshtunnel_tunnels";

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
    }

    private static long count(IndexedResourceCache<SshTunnel> cache, String reason) {
        return cache.list().filter(tunnel -> java.util.Objects.equals(readyReason(tunnel), reason)).count();
    }

    private static String readyReason(SshTunnel tunnel) {
        if (tunnel.getStatus() == null) {
            return null;
        }
        return tunnel.getStatus().getConditions().stream()
                .filter(c -> ConditionTypes.READY.equals(c.getType()))
                .map(c -> c.getReason())
                .findFirst().orElse(null);
    }
}
