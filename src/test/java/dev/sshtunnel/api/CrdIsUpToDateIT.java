package dev.sshtunnel.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sshtunnel.testing.RealClusterResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The committed crds/ file is what the build generates from the API types. A @QuarkusTest, because
 * the operator extension generates the CRD during the application build that precedes it.
 */
@QuarkusTest
@QuarkusTestResource(RealClusterResource.class)
class CrdIsUpToDateIT {

    @ParameterizedTest
    @ValueSource(strings = {"sshtunnels.sshtunnel.dev-v1.yml", "clustersshbastions.sshtunnel.dev-v1.yml",
            "sshbastions.sshtunnel.dev-v1.yml"})
    void committedCrdMatchesTheGeneratedOne(String file) throws IOException {
        Path generated = Path.of("target/kubernetes", file);
        assertThat(generated).as("the build generates %s", generated).exists();
        assertThat(Files.readString(Path.of("crds", file)))
                .as("crds/%s is stale: regenerate with ./mvnw package -DskipTests && cp %s crds/", file, generated)
                .isEqualTo(Files.readString(generated));
        assertThat(Files.readString(Path.of("deploy/helm/sshtunnel-operator/crds", file)))
                .as("the chart's copy of %s is stale", file)
                .isEqualTo(Files.readString(generated));
    }
}
