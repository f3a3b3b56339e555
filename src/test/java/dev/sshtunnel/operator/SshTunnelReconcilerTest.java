package dev.sshtunnel.operator;

import static dev.sshtunnel.operator.TunnelFixtures.dynamic;
import static dev.sshtunnel.operator.TunnelFixtures.keySecret;
import static dev.sshtunnel.operator.TunnelFixtures.local;
import static dev.sshtunnel.operator.TunnelFixtures.remote;
import static dev.sshtunnel.operator.TunnelFixtures.tunnel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

@QuarkusTest
@WithKubernetesTestServer(crud = true)
class SshTunnelReconcilerTest {

    @Inject
    KubernetesClient client;

    @Test
    void createsConfigMapDeploymentAndService() {
        String ns = "smoke";
        client.resource(keySecret(ns, "-----BEGIN OPENSSH PRIVATE KEY-----\nplaceholder\n")).create();
        client.resource(tunnel(ns, "warehouse", local("postgres", 5432, "db.internal", 5432),
                remote("hooks", 0, "web", 80), dynamic("proxy", 1080))).create();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(client.configMaps().inNamespace(ns).withName("warehouse-tunnel").get()).isNotNull();
            assertThat(client.apps().deployments().inNamespace(ns).withName("warehouse").get()).isNotNull();
            assertThat(client.services().inNamespace(ns).withName("warehouse").get()).isNotNull();
        });
        Deployment d = client.apps().deployments().inNamespace(ns).withName("warehouse").get();
        System.out.println(io.fabric8.kubernetes.client.utils.Serialization.asYaml(d));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(client.resources(SshTunnel.class).inNamespace(ns).withName("warehouse").get().getStatus()).isNotNull());
        System.out.println(io.fabric8.kubernetes.client.utils.Serialization.asYaml(
                client.resources(SshTunnel.class).inNamespace(ns).withName("warehouse").get()));
    }
}
