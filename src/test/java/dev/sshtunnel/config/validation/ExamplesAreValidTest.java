package dev.sshtunnel.config.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** Every SshTunnel in examples/ passes the CRD's schema and CEL rules; each example holds one of the project's kinds. */
class ExamplesAreValidTest {

    private static final ManifestValidator VALIDATOR = new ManifestValidator(CrdSchema.fromClasspath());

    static Stream<Path> examples() throws IOException {
        return Files.list(Path.of("examples")).filter(p -> p.toString().endsWith(".yaml")).sorted();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void exampleIsValid(Path file) throws IOException {
        List<JsonNode> tunnels = new ArrayList<>();
        List<JsonNode> ours = new ArrayList<>();
        try (var documents = new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
            documents.forEachRemaining(d -> {
                if (ManifestValidator.isSshTunnel(d)) {
                    tunnels.add(d);
                }
                if (d.path("apiVersion").asText().startsWith("sshtunnel.dev/")) {
                    ours.add(d);
                }
            });
        }
        // examples/load-balancer.yaml holds a ClusterSshBastion and a Service: its tunnel is generated.
        assertThat(ours).as("SshTunnels or bastions in %s", file).isNotEmpty();
        for (JsonNode tunnel : tunnels) {
            assertThat(VALIDATOR.validate(tunnel)).as(tunnel.path("metadata").path("name").asText()).isEmpty();
        }
    }
}
