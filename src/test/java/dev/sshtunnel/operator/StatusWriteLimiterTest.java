package dev.sshtunnel.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.javaoperatorsdk.operator.processing.event.ResourceID;

class StatusWriteLimiterTest {

    private final ResourceID warehouse = new ResourceID("warehouse", "apps");
    private final ResourceID other = new ResourceID("other", "apps");

    @Test
    void firstWriteIsImmediateAndTheNextWaitsForTheInterval() {
        var clock = new MutableClock(Instant.parse("2026-11-24T10:00:00Z"));
        var limiter = new StatusWriteLimiter(Duration.ofSeconds(3), clock);

        assertThat(limiter.waitBeforeWrite(warehouse)).isZero();
        limiter.wrote(warehouse);
        clock.advance(Duration.ofSeconds(1));

        assertThat(limiter.waitBeforeWrite(warehouse)).isEqualTo(Duration.ofSeconds(2));
        assertThat(limiter.waitBeforeWrite(other)).as("tunnels are limited independently").isZero();

        clock.advance(Duration.ofSeconds(2));
        assertThat(limiter.waitBeforeWrite(warehouse)).isZero();
    }
}
