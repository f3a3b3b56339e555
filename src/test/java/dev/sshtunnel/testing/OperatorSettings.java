package dev.sshtunnel.testing;

import java.time.Duration;
import java.util.Map;

import dev.sshtunnel.operator.OperatorConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The operator's settings ({@link OperatorConfig}) as SmallRye Config maps them, outside Quarkus: the defaults the
 * interface declares, with some properties set (e.g. {@code sshtunnel.network-policy.metrics-namespaces}).
 */
public final class OperatorSettings {

    private OperatorSettings() {
    }

    public static OperatorConfig defaults() {
        return with(Map.of());
    }

    public static OperatorConfig with(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withMapping(OperatorConfig.class)
                // Quarkus reads "2s" as two seconds; plain SmallRye only knows ISO-8601 (PT2S).
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build()
                .getConfigMapping(OperatorConfig.class);
    }
}
