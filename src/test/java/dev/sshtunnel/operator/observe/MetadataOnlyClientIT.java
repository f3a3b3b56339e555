package dev.sshtunnel.operator.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.testing.RealCluster;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;

/**
 * What crosses the wire to the operator's Secret informer: as deploy/'s ServiceAccount on the real API
 * server, the initial list and every watch event (create, data change, delete) carry the Secret's
 * metadata and none of its data; a single GET through this client is refused, not answered in full.
 */
class MetadataOnlyClientIT {

    @Test
    void listAndWatchCarryNoSecretData() {
        String ns = "metadata-only";
        RealCluster.namespace(ns);
        KubernetesClient admin = RealCluster.admin();
        admin.resource(secret(ns, "before", "listed-value")).create();
        List<Secret> seen = new CopyOnWriteArrayList<>();
        try (KubernetesClient client = MetadataOnlyClient.of(RealCluster.config(RealCluster.operatorToken()));
                var informer = client.secrets().inNamespace(ns).inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Secret secret) {
                        seen.add(secret);
                    }

                    @Override
                    public void onUpdate(Secret before, Secret after) {
                        seen.add(after);
                    }

                    @Override
                    public void onDelete(Secret secret, boolean finalStateUnknown) {
                        seen.add(secret);
                    }
                })) {
            await().atMost(Duration.ofSeconds(20)).until(() -> names(seen).contains("before"));
            admin.resource(secret(ns, "watched", "first-value")).create();
            Secret changed = admin.resource(secret(ns, "watched", "second-value")).update();
            admin.secrets().inNamespace(ns).withName("watched").delete();
            await().atMost(Duration.ofSeconds(20)).until(() -> seen.stream().filter(s -> s.getMetadata().getName().equals("watched")).count() >= 3);

            assertThat(seen).extracting(s -> s.getMetadata().getResourceVersion())
                    .contains(changed.getMetadata().getResourceVersion());
            assertThat(seen).allSatisfy(s -> {
                assertThat(s.getData()).isNullOrEmpty();
                assertThat(s.getStringData()).isNullOrEmpty();
                assertThat(s.getType()).isNull();
                assertThat(s.getMetadata().getUid()).isNotBlank();
            });
            assertThatThrownBy(() -> client.secrets().inNamespace(ns).withName("before").get())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(406));
            assertThat(informer.isRunning()).isTrue();
        }
    }

    /** The API server answers an empty PartialObjectMetadataList with "items": null (SecretList has []). */
    @Test
    void anInformerStartsWhereThereAreNoSecrets() throws Exception {
        String ns = "metadata-only-empty";
        RealCluster.namespace(ns);
        try (KubernetesClient client = MetadataOnlyClient.of(RealCluster.config(RealCluster.operatorToken()));
                var informer = client.secrets().inNamespace(ns).runnableInformer(0)) {
            informer.start().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(informer.getStore().list()).isEmpty();
        }
    }

    private static List<String> names(List<Secret> seen) {
        return seen.stream().map(s -> s.getMetadata().getName()).toList();
    }

    private static Secret secret(String ns, String name, String value) {
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withStringData(Map.of("value", value)).build();
    }
}
