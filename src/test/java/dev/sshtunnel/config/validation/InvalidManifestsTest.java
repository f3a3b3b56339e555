package dev.sshtunnel.config.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Every manifest under src/test/resources/invalid-manifests is refused the way the API server
 * would refuse it, for the reason its first line declares ({@code # expect: FIELD: FRAGMENT}).
 * A manifest refused for some other reason fails the test.
 */
class InvalidManifestsTest {

    private static final Path CORPUS = Path.of("src/test/resources/invalid-manifests");
    private static final ManifestValidator VALIDATOR = new ManifestValidator(CrdSchema.fromClasspath());
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static Stream<Path> corpus() throws IOException {
        return Files.list(CORPUS).filter(p -> p.toString().endsWith(".yaml")).sorted();
    }

    @Test
    void corpusCoversAtLeastFortyCases() throws IOException {
        assertThat(corpus().count()).isGreaterThanOrEqualTo(40);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void isRefusedWithAMessageNamingTheField(Path manifest) throws IOException {
        String first = Files.readAllLines(manifest).get(0);
        assertThat(first).startsWith("# expect: ");
        String expectation = first.substring("# expect: ".length());
        int split = expectation.indexOf(": ");
        String field = expectation.substring(0, split);
        String fragment = expectation.substring(split + 2);

        JsonNode document = YAML.readTree(manifest.toFile());
        List<Violation> violations = VALIDATOR.validate(document);

        assertThat(violations).as("violations of %s", manifest.getFileName())
                .anySatisfy(v -> {
                    assertThat(v.field()).isEqualTo(field);
                    assertThat(v.message()).contains(fragment);
                });
    }
}
