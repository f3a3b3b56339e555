package dev.sshtunnel.operator;

import static dev.sshtunnel.testing.TunnelFixtures.local;
import static dev.sshtunnel.testing.TunnelFixtures.tunnel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.testing.RealCluster;
import dev.sshtunnel.testing.RealClusterResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The operator's /q/metrics counts tunnels by Ready reason, from what their status says. */
@QuarkusTest
@QuarkusTestResource(RealClusterResource.class)
class OperatorMetricsIT {

    KubernetesClient client = RealCluster.admin();

    @TestHTTPResource("/q/metrics")
    URL metrics;

    @Test
    void tunnelsByReadyReason() throws Exception {
        String ns = "metrics";
        RealCluster.namespace(ns);
        // No Secret: the tunnel waits in SecretNotFound.
        client.resource(tunnel(ns, "waiting", local("db", 5432, "db", 5432))).create();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(scrape()).containsPattern("sshtunnel_tunnels\\{reason=\"SecretNotFound\"\\} [1-9]"));
        assertThat(scrape()).contains("sshtunnel_tunnels{reason=\"Connected\"}")
                // reconciliations and their failures, from the operator SDK's Micrometer support
                .contains("operator_sdk_reconciliations");
    }

    private String scrape() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metrics.toString())).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
