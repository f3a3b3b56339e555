package dev.sshtunnel.forwarder.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.ProbeState;
import dev.sshtunnel.api.v1alpha1.ProbeStatus;

class ProbeTallyTest {

    private static final Instant NOW = Instant.parse("2026-12-07T20:00:00.750Z");

    @Test
    void unknownUntilTheFailureThresholdThenFailing() {
        ProbeTally tally = new ProbeTally(3, 1);
        assertThat(tally.snapshot().getState()).isEqualTo(ProbeState.Unknown);
        tally.failed("Unreachable: refused");
        tally.failed("Unreachable: refused");
        assertThat(tally.state()).isEqualTo(ProbeState.Unknown);
        assertThat(tally.snapshot().getConsecutiveFailures()).isEqualTo(2);
        tally.failed("Unreachable: refused");
        ProbeStatus failing = tally.snapshot();
        assertThat(failing.getState()).isEqualTo(ProbeState.Failing);
        assertThat(failing.getConsecutiveFailures()).isEqualTo(3);
        assertThat(failing.getMessage()).isEqualTo("Unreachable: refused");
        assertThat(failing.getLastSuccessTime()).isNull();
    }

    @Test
    void aSuccessInBetweenStartsTheFailureRunOver() {
        ProbeTally tally = new ProbeTally(2, 1);
        tally.succeeded(Duration.ofMillis(12), NOW);
        tally.failed("x");
        tally.succeeded(Duration.ofMillis(12), NOW);
        tally.failed("x");
        assertThat(tally.state()).isEqualTo(ProbeState.Passing);
        tally.failed("x");
        assertThat(tally.state()).isEqualTo(ProbeState.Failing);
    }

    @Test
    void passingAgainOnlyAfterTheSuccessThresholdAndTheMessageClears() {
        ProbeTally tally = new ProbeTally(1, 2);
        tally.failed("ForwardRejected: server refused");
        assertThat(tally.state()).isEqualTo(ProbeState.Failing);
        tally.succeeded(Duration.ofMillis(7), NOW);
        assertThat(tally.state()).as("one success of two").isEqualTo(ProbeState.Failing);
        tally.failed("again");
        tally.succeeded(Duration.ofMillis(7), NOW);
        assertThat(tally.state()).as("the run started over").isEqualTo(ProbeState.Failing);
        tally.succeeded(Duration.ofMillis(9), NOW);
        ProbeStatus passing = tally.snapshot();
        assertThat(passing.getState()).isEqualTo(ProbeState.Passing);
        assertThat(passing.getConsecutiveFailures()).isZero();
        assertThat(passing.getLatencyMs()).isEqualTo(9);
        assertThat(passing.getLastSuccessTime()).isEqualTo("2026-12-07T20:00:00Z");
        assertThat(passing.getMessage()).isEmpty();
    }

    @Test
    void aProbeNotSentChangesNoCountAndNoStateOnlyTheMessage() {
        ProbeTally tally = new ProbeTally(1, 1);
        tally.succeeded(Duration.ofMillis(5), NOW);
        tally.notSent("probe not sent: no SSH session attached to the forward");
        ProbeStatus status = tally.snapshot();
        assertThat(status.getState()).isEqualTo(ProbeState.Passing);
        assertThat(status.getConsecutiveFailures()).isZero();
        assertThat(status.getMessage()).contains("no SSH session");
        ProbeTally fresh = new ProbeTally(1, 1);
        fresh.notSent("no session");
        assertThat(fresh.state()).isEqualTo(ProbeState.Unknown);
    }

    @Test
    void serverTextIsOneBoundedLine() {
        ProbeTally tally = new ProbeTally(1, 1);
        tally.failed("ForwardRejected: (open failed\r\nInjected: yes" + "x".repeat(2000) + ")");
        String message = tally.snapshot().getMessage();
        assertThat(message).doesNotContain("\r").doesNotContain("\n");
        assertThat(message.length()).isLessThanOrEqualTo(dev.sshtunnel.api.v1alpha1.SessionStatus.MESSAGE);
    }

    @Test
    void latencyHistogramIsCumulative() {
        ProbeLatency latency = new ProbeLatency();
        latency.observe(Duration.ofMillis(3));
        latency.observe(Duration.ofMillis(40));
        latency.observe(Duration.ofSeconds(5));
        ProbeLatency.Snapshot h = latency.snapshot();
        assertThat(h.count()).isEqualTo(3);
        assertThat(h.cumulative()[0]).as("<= 5 ms").isEqualTo(1);
        assertThat(h.cumulative()[3]).as("<= 50 ms").isEqualTo(2);
        assertThat(h.cumulative()[9]).as("<= 5 s").isEqualTo(3);
        assertThat(h.sumSeconds()).isCloseTo(5.043, org.assertj.core.data.Offset.offset(1e-9));
    }
}
