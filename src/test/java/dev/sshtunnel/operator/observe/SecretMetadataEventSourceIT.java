package dev.sshtunnel.operator.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.RealCluster;
import dev.sshtunnel.testing.RealClusterResource;
import dev.sshtunnel.testing.UsedSecrets;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The running operator's Secret informer holds no Secret data: a Secret no tunnel refers to,
 * applied with the real kubectl (whose last-applied-configuration annotation repeats the data), is
 * in the cache by identity only, also after its data changes.
 */
@QuarkusTest
@QuarkusTestResource(RealClusterResource.class)
class SecretMetadataEventSourceIT {

    @Inject
    Operator operator;

    @Test
    void theSecretCacheHoldsIdentitiesNotData() {
        String ns = "secret-cache";
        RealCluster.namespace(ns);
        Kubectl kubectl = new Kubectl(RealCluster.adminKubeconfig());
        String value = randomBase64(4096);
        apply(kubectl, manifest(ns, value));
        Secret stored = RealCluster.admin().secrets().inNamespace(ns).withName("unrelated").get();
        assertThat(stored.getMetadata().getAnnotations().get("kubectl.kubernetes.io/last-applied-configuration"))
                .as("kubectl apply repeats the data in an annotation").contains(value);

        Secret cached = awaitCached(ns, stored.getMetadata().getResourceVersion());
        assertIdentityOnly(cached, stored);

        apply(kubectl, manifest(ns, randomBase64(4096)));
        Secret changed = RealCluster.admin().secrets().inNamespace(ns).withName("unrelated").get();
        assertThat(changed.getMetadata().getResourceVersion()).isNotEqualTo(stored.getMetadata().getResourceVersion());
        assertIdentityOnly(awaitCached(ns, changed.getMetadata().getResourceVersion()), changed);
    }

    private static void assertIdentityOnly(Secret cached, Secret stored) {
        assertThat(cached.getData()).as("data").isNullOrEmpty();
        assertThat(cached.getStringData()).as("stringData").isNullOrEmpty();
        assertThat(cached.getMetadata().getAnnotations()).as("annotations").isNullOrEmpty();
        assertThat(cached.getMetadata().getManagedFields()).as("managedFields").isNullOrEmpty();
        assertThat(cached.getMetadata().getUid()).isEqualTo(stored.getMetadata().getUid());
        assertThat(cached.getMetadata().getResourceVersion()).isEqualTo(stored.getMetadata().getResourceVersion());
    }

    @SuppressWarnings("unchecked")
    private Secret awaitCached(String ns, String resourceVersion) {
        Controller<SshTunnel> controller = (Controller<SshTunnel>) operator.getRegisteredController("sshtunnel").orElseThrow();
        var secrets = (InformerEventSource<Secret, SshTunnel>) controller.getEventSourceManager()
                .getEventSourceFor(Secret.class, SecretMetadataEventSource.EVENT_SOURCE);
        return await().atMost(Duration.ofSeconds(20)).until(() -> secrets.get(new ResourceID("unrelated", ns)),
                s -> s.isPresent() && resourceVersion.equals(s.get().getMetadata().getResourceVersion()))
                .map(Secret.class::cast).orElseThrow();
    }

    private static String manifest(String ns, String value) {
        return """
                apiVersion: v1
                kind: Secret
                metadata: {name: unrelated, namespace: %s}
                data: {token: %s}
                """.formatted(ns, value);
    }

    private static void apply(Kubectl kubectl, String manifest) {
        assertThat(kubectl.attempt(manifest, "apply", "-f", "-").exitCode()).isZero();
    }

    /** Recorded for SecretLeakScanIT: no log may repeat it. */
    private static String randomBase64(int bytes) {
        byte[] random = new byte[bytes];
        new SecureRandom().nextBytes(random);
        String value = Base64.getEncoder().encodeToString(random);
        UsedSecrets.text(value);
        return value;
    }
}
