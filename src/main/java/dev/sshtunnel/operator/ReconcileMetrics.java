package dev.sshtunnel.operator;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * JOSDK's reconcile metrics ({@code operator_sdk_reconciliations_*}) per controller only. The extension's default also
 * keeps a set per resource — about seventeen meters, timers among them, per tunnel — which grows the heap with the
 * fleet (at 1,000 tunnels ~50,000 tags and 3,000 histograms) and the operator's /q/metrics with it, where a per-tunnel
 * series already exists for what alerts need ({@code sshtunnel_tunnel_ready}, {@link TunnelMetrics}).
 */
@Singleton
public class ReconcileMetrics {

    @Produces
    @Singleton
    Metrics metrics(MeterRegistry registry) {
        return MicrometerMetrics.withoutPerResourceMetrics(registry);
    }
}
