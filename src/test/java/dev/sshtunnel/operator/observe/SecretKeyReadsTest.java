package dev.sshtunnel.operator.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.TunnelFixtures;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

/** A Secret is read by name once per resourceVersion the metadata informer shows, and only its key names are kept. */
class SecretKeyReadsTest {

    private final SecretKeyReads secrets = new SecretKeyReads();
    private final SshTunnel tunnel = TunnelFixtures.tunnel("apps", "warehouse", TunnelFixtures.local("pg", 5432, "db", 5432));
    private final List<String> reads = new ArrayList<>();

    private Secret read(String name, String version, String value) {
        reads.add(name + "@" + version);
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace("apps").withResourceVersion(version)
                .endMetadata().addToData("id_ed25519", value).build();
    }

    @Test
    void anUnchangedSecretIsReadOnce() {
        var first = secrets.of(tunnel, Map.of("bastion-key", "7"), name -> read(name, "7", "a2V5"));
        var again = secrets.of(tunnel, Map.of("bastion-key", "7"), name -> read(name, "7", "a2V5"));
        assertThat(reads).containsExactly("bastion-key@7");
        assertThat(again).isEqualTo(first);
        assertThat(first.get("bastion-key").filled()).containsExactly("id_ed25519");

        var emptied = secrets.of(tunnel, Map.of("bastion-key", "8"), name -> read(name, "8", ""));
        assertThat(reads).as("a new version is read").containsExactly("bastion-key@7", "bastion-key@8");
        assertThat(emptied.get("bastion-key").empty()).containsExactly("id_ed25519");
        assertThat(SpecSecretRefs.of(tunnel).firstMissing("apps", emptied)).hasValueSatisfying(
                message -> assertThat(message).contains("key \"id_ed25519\" is empty"));
    }

    @Test
    void aSecretTheInformerDoesNotKnowIsNotFoundWithoutARead() {
        var none = secrets.of(tunnel, Map.of(), name -> read(name, "1", "a2V5"));
        assertThat(reads).isEmpty();
        assertThat(SpecSecretRefs.of(tunnel).firstMissing("apps", none)).hasValueSatisfying(
                message -> assertThat(message).contains("Secret apps/bastion-key not found"));
    }

    @Test
    void theUsableLabelIsReadWithTheKeysAndFollowsItsChanges() {
        var unlabelled = secrets.of(tunnel, Map.of("bastion-key", "3"), name -> read(name, "3", "a2V5"));
        assertThat(unlabelled.get("bastion-key").labelledUsable()).isFalse();
        var labelled = secrets.of(tunnel, Map.of("bastion-key", "4"), name -> new SecretBuilder(read(name, "4", "a2V5"))
                .editMetadata().addToLabels("sshtunnel.dev/usable", "true").endMetadata().build());
        assertThat(labelled.get("bastion-key").labelledUsable()).as("a label change is a new version, read again").isTrue();
        var otherValue = secrets.of(tunnel, Map.of("bastion-key", "5"), name -> new SecretBuilder(read(name, "5", "a2V5"))
                .editMetadata().addToLabels("sshtunnel.dev/usable", "yes").endMetadata().build());
        assertThat(otherValue.get("bastion-key").labelledUsable()).as("only \"true\" counts").isFalse();
    }
}
