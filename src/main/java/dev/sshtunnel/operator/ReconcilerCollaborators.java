package dev.sshtunnel.operator;

import java.time.Clock;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.sshtunnel.operator.observe.ForwarderStatusReader;
import dev.sshtunnel.operator.observe.PodVolumeRefresh;
import dev.sshtunnel.operator.status.SshTunnelStatusAggregator;
import dev.sshtunnel.operator.status.StatusWriteLimiter;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The reconciler's collaborators as beans, each built once from the operator's configuration and
 * sharing one clock (condition times, event times and the status write limiter agree), so the
 * reconciler receives them rather than building them, and a test can hand it its own.
 */
@Singleton
public class ReconcilerCollaborators {

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @Singleton
    SshTunnelStatusAggregator statusAggregator(Clock clock) {
        return new SshTunnelStatusAggregator(clock);
    }

    @Produces
    @Singleton
    TunnelEvents tunnelEvents(KubernetesClient client, Clock clock) {
        return new TunnelEvents(client, clock);
    }

    @Produces
    @Singleton
    PodVolumeRefresh podVolumeRefresh(KubernetesClient client) {
        return new PodVolumeRefresh(client);
    }

    @Produces
    @Singleton
    ForwarderStatusReader forwarderStatusReader(OperatorConfig config) {
        return new ForwarderStatusReader(config.status().readTimeout());
    }

    @Produces
    @Singleton
    StatusWriteLimiter statusWriteLimiter(OperatorConfig config, Clock clock) {
        return new StatusWriteLimiter(config.status().minWriteInterval(), config.status().counterWriteInterval(), clock);
    }
}
