package dev.sshtunnel.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.testing.MutableClock;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

class StatusWriteLimiterTest {

    private final ResourceID warehouse = new ResourceID("warehouse", "apps");
    private final ResourceID other = new ResourceID("other", "apps");

    @Test
    void firstWriteIsImmediateAndTheNextWaitsForTheInterval() {
        var clock = new MutableClock(Instant.parse("2026-11-24T10:00:00Z"));
        var limiter = new StatusWriteLimiter(Duration.ofSeconds(3), Duration.ofSeconds(60), clock);

        assertThat(limiter.waitBeforeWrite(warehouse, StatusChange.TRANSITION)).isZero();
        limiter.wrote(warehouse);
        clock.advance(Duration.ofSeconds(1));

        assertThat(limiter.waitBeforeWrite(warehouse, StatusChange.TRANSITION)).isEqualTo(Duration.ofSeconds(2));
        assertThat(limiter.waitBeforeWrite(other, StatusChange.TRANSITION)).as("tunnels are limited independently").isZero();

        clock.advance(Duration.ofSeconds(2));
        assertThat(limiter.waitBeforeWrite(warehouse, StatusChange.TRANSITION)).isZero();
        assertThat(limiter.waitBeforeWrite(warehouse, StatusChange.COUNTERS_ONLY))
                .as("a change of channel counters alone waits a minute").isEqualTo(Duration.ofSeconds(57));
    }
}
