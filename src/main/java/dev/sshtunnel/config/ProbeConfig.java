package dev.sshtunnel.config;

import java.time.Duration;

import dev.sshtunnel.api.v1alpha1.ProbeSpec;

/**
 * A forward's probe with defaults applied: every {@code interval} one probe of at most {@code timeout}; Failing
 * after {@code failureThreshold} failures in a row, Passing after {@code successThreshold} successes in a row.
 * connectHost/connectPort: the destination of a Dynamic forward's probe (null and 0 for Local and Remote, which
 * probe their own target).
 */
public record ProbeConfig(Duration interval, Duration timeout, int failureThreshold, int successThreshold,
        boolean affectsReadiness, String connectHost, int connectPort) {

    static ProbeConfig of(ProbeSpec spec) {
        return new ProbeConfig(Duration.ofSeconds(spec.effectiveIntervalSeconds()), Duration.ofSeconds(spec.effectiveTimeoutSeconds()),
                spec.effectiveFailureThreshold(), spec.effectiveSuccessThreshold(), spec.affectsReadinessOrDefault(),
                spec.getConnect() == null ? null : spec.getConnect().getHost(),
                spec.getConnect() == null || spec.getConnect().getPort() == null ? 0 : spec.getConnect().getPort());
    }
}
