package dev.sshtunnel.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.testing.Processes;

/** The shipped alert rules, checked and unit-tested by Prometheus' own promtool (Debian's prometheus package). */
class AlertRulesIT {

    private static final Path MONITORING = Path.of("deploy/monitoring").toAbsolutePath();

    @Test
    void rulesAreValidPromQl() {
        assertThat(Processes.run(List.of("promtool", "check", "rules", MONITORING.resolve("sshtunnel.rules.yaml").toString())))
                .contains("SUCCESS: 7 rules found");
    }

    /** Each alert fires on the series that mean trouble and stays quiet on those that do not (sshtunnel.rules.test.yaml). */
    @Test
    void everyAlertFiresAndStaysQuietWhereItShould() {
        assertThat(Processes.run(List.of("promtool", "test", "rules", MONITORING.resolve("sshtunnel.rules.test.yaml").toString())))
                .contains("SUCCESS");
    }
}
