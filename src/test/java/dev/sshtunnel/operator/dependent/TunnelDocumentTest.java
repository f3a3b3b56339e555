package dev.sshtunnel.operator.dependent;

import static dev.sshtunnel.testing.TunnelFixtures.local;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;
import dev.sshtunnel.testing.TunnelFixtures;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * tunnel.yaml as the forwarder pods get it: the applied spec and generation only, and with AcceptNew the key the first
 * forwarder accepted pinned as Strict, so that no later pod trusts whatever key it meets first.
 */
class TunnelDocumentTest {

    private static final String KNOWN_HOSTS = "bastion.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKeyForTestsOnly0000000000000000000";
    private static final String ACCEPTED = "SHA256:acceptedByTheFirstPod0000000000000000000000";
    private static final String LISTED = "SHA256:listedByTheUser000000000000000000000000000000";

    private static SshTunnel stored() {
        SshTunnel tunnel = TunnelFixtures.tunnel("apps", "db", local("pg", 5432, "db.internal", 5432));
        tunnel.getMetadata().setGeneration(4L);
        tunnel.getMetadata().setUid("uid-1");
        tunnel.getMetadata().setResourceVersion("981");
        tunnel.getMetadata().setLabels(Map.of("team", "data"));
        tunnel.getMetadata().setAnnotations(Map.of("kubectl.kubernetes.io/last-applied-configuration", "{}"));
        tunnel.getMetadata().setFinalizers(List.of("sshtunnel.dev/finalizer"));
        SshTunnelStatus status = new SshTunnelStatus();
        status.setObservedGeneration(3L);
        tunnel.setStatus(status);
        return tunnel;
    }

    @Test
    void theDocumentIsTheSpecAndGenerationWithoutStatusOrServerMetadata() {
        SshTunnel tunnel = stored();
        String document = TunnelDocument.render(tunnel);
        SshTunnel read = TunnelDocument.parse(document);
        assertThat(read.getApiVersion()).isEqualTo("sshtunnel.dev/v1alpha1");
        assertThat(read.getKind()).isEqualTo("SshTunnel");
        assertThat(read.getMetadata().getName()).isEqualTo("db");
        assertThat(read.getMetadata().getNamespace()).isEqualTo("apps");
        assertThat(read.getMetadata().getGeneration()).isEqualTo(4L);
        assertThat(read.getMetadata().getUid()).isNull();
        assertThat(read.getMetadata().getResourceVersion()).isNull();
        assertThat(read.getMetadata().getLabels()).isNullOrEmpty();
        assertThat(read.getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(read.getMetadata().getFinalizers()).isNullOrEmpty();
        assertThat(read.getStatus()).isNull();
        assertThat(document).doesNotContain("status").doesNotContain("981").doesNotContain("last-applied");
        assertThat(Serialization.asYaml(read.getSpec())).isEqualTo(Serialization.asYaml(tunnel.getSpec()));
    }

    /** The pin: status.acceptedHostKeyFingerprint joins the listed fingerprints, and the policy becomes Strict. */
    @Test
    void acceptNewWithAnAcceptedKeyIsPinnedAsStrictToThatKey() {
        SshTunnel tunnel = stored();
        tunnel.getSpec().getSsh().setHostKey(TunnelFixtures.hostKey(HostKeyPolicy.AcceptNew, KNOWN_HOSTS, LISTED));
        tunnel.getStatus().setAcceptedHostKeyFingerprint(ACCEPTED);
        var hostKey = TunnelDocument.parse(TunnelDocument.render(tunnel)).getSpec().getSsh().getHostKey();
        assertThat(hostKey.getPolicy()).isEqualTo(HostKeyPolicy.Strict);
        assertThat(hostKey.getFingerprints()).containsExactly(LISTED, ACCEPTED);
        assertThat(hostKey.getKnownHosts()).isEqualTo(KNOWN_HOSTS);
        // The stored tunnel is not changed: only the document is pinned (the next render pins again, not twice).
        assertThat(tunnel.getSpec().getSsh().getHostKey().getPolicy()).isEqualTo(HostKeyPolicy.AcceptNew);
        assertThat(tunnel.getSpec().getSsh().getHostKey().getFingerprints()).containsExactly(LISTED);
        assertThat(TunnelDocument.render(tunnel)).isEqualTo(TunnelDocument.render(tunnel));
    }

    @Test
    void anAcceptedKeyAlreadyListedIsNotListedTwice() {
        SshTunnel tunnel = stored();
        tunnel.getSpec().getSsh().setHostKey(TunnelFixtures.hostKey(HostKeyPolicy.AcceptNew, null, ACCEPTED));
        tunnel.getStatus().setAcceptedHostKeyFingerprint(ACCEPTED);
        var hostKey = TunnelDocument.parse(TunnelDocument.render(tunnel)).getSpec().getSsh().getHostKey();
        assertThat(hostKey.getPolicy()).isEqualTo(HostKeyPolicy.Strict);
        assertThat(hostKey.getFingerprints()).containsExactly(ACCEPTED);
    }

    @Test
    void acceptNewBeforeAnyKeyWasAcceptedStaysAcceptNew() {
        SshTunnel tunnel = stored();
        tunnel.getSpec().getSsh().setHostKey(TunnelFixtures.hostKey(HostKeyPolicy.AcceptNew, null));
        var hostKey = TunnelDocument.parse(TunnelDocument.render(tunnel)).getSpec().getSsh().getHostKey();
        assertThat(hostKey.getPolicy()).isEqualTo(HostKeyPolicy.AcceptNew);
        assertThat(hostKey.getFingerprints()).isEmpty();
        tunnel.setStatus(null);
        assertThat(TunnelDocument.parse(TunnelDocument.render(tunnel)).getSpec().getSsh().getHostKey().getPolicy())
                .isEqualTo(HostKeyPolicy.AcceptNew);
    }

    /** Only AcceptNew is pinned: a Strict tunnel's keys are the user's, whatever a status says was seen. */
    @Test
    void otherPoliciesAreNeverWidenedByAStatus() {
        SshTunnel strict = stored();
        strict.getSpec().getSsh().setHostKey(TunnelFixtures.hostKey(HostKeyPolicy.Strict, KNOWN_HOSTS));
        strict.getStatus().setAcceptedHostKeyFingerprint(ACCEPTED);
        var hostKey = TunnelDocument.parse(TunnelDocument.render(strict)).getSpec().getSsh().getHostKey();
        assertThat(hostKey.getPolicy()).isEqualTo(HostKeyPolicy.Strict);
        assertThat(hostKey.getFingerprints()).as("no key added from status").isEmpty();

        SshTunnel defaulted = stored();
        defaulted.getStatus().setAcceptedHostKeyFingerprint(ACCEPTED);
        var defaultKey = TunnelDocument.parse(TunnelDocument.render(defaulted)).getSpec().getSsh().getHostKey();
        assertThat(defaultKey.getPolicy()).isNull();
        assertThat(defaultKey.getFingerprints()).isEmpty();
    }
}
