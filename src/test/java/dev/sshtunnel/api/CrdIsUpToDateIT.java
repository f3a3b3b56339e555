package dev.sshtunnel.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.common.QuarkusTestResource;
import dev.sshtunnel.testing.RealClusterResource;

/**
 * The committed crds/ file is what the build generates from the API types. A @QuarkusTest, because
 * the operator extension generates the CRD during the application build that precedes it.
 */
@QuarkusTest
@QuarkusTestResource(RealClusterResource.class)
class CrdIsUpToDateIT {

    private static final String FILE = "sshtunnels.sshtunnel.dev-v1.yml";

    @Test
    void committedCrdMatchesTheGeneratedOne() throws IOException {
        Path generated = Path.of("target/kubernetes", FILE);
        assertThat(generated).as("the build generates %s", generated).exists();
        assertThat(Files.readString(Path.of("crds", FILE)))
                .as("crds/%s is stale: regenerate with ./mvnw package -DskipTests && cp %s crds/", FILE, generated)
                .isEqualTo(Files.readString(generated));
    }
}
