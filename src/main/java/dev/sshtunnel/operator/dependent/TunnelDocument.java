package dev.sshtunnel.operator.dependent;

import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.HostKeySpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * tunnel.yaml, the file the forwarder reads: the SshTunnel as the user applied it (spec with the
 * API server's defaults) and its metadata.generation, without status or other server-managed
 * metadata, so the same file runs on a workstation with `forward -f`. The forwarder follows the file
 * as the kubelet updates it and reports the generation it runs.
 */
public final class TunnelDocument {

    public static final String FILE_NAME = "tunnel.yaml";

    private TunnelDocument() {
    }

    /**
     * tunnel.yaml for the forwarder pods: the applied spec, and with policy AcceptNew the key the first
     * forwarder accepted (status.acceptedHostKeyFingerprint) pinned as Strict, so that later pods,
     * restarts and replicas do not each accept whatever key they see first.
     */
    public static String render(SshTunnel tunnel) {
        return write(tunnel, withAcceptedKeyPinned(tunnel));
    }

    private static String write(SshTunnel tunnel, SshTunnelSpec spec) {
        SshTunnel document = new SshTunnel();
        document.setMetadata(new ObjectMetaBuilder()
                .withName(tunnel.getMetadata().getName())
                .withNamespace(tunnel.getMetadata().getNamespace())
                .withGeneration(tunnel.getMetadata().getGeneration())
                .build());
        document.setSpec(spec);
        document.setStatus(null);
        return Serialization.asYaml(document);
    }

    private static SshTunnelSpec withAcceptedKeyPinned(SshTunnel tunnel) {
        SshTunnelSpec spec = tunnel.getSpec();
        HostKeySpec hostKey = spec.getSsh().getHostKey();
        String accepted = tunnel.getStatus() == null ? null : tunnel.getStatus().getAcceptedHostKeyFingerprint();
        if (accepted == null || hostKey == null || hostKey.getPolicy() != HostKeyPolicy.AcceptNew) {
            return spec;
        }
        SshTunnelSpec pinned = Serialization.unmarshal(Serialization.asYaml(spec), SshTunnelSpec.class);
        HostKeySpec pinnedKey = pinned.getSsh().getHostKey();
        pinnedKey.setPolicy(HostKeyPolicy.Strict);
        if (!pinnedKey.getFingerprints().contains(accepted)) {
            pinnedKey.getFingerprints().add(accepted);
        }
        return pinned;
    }

    /** The tunnel a rendered document describes (what running forwarder pods were started with). */
    public static SshTunnel parse(String document) {
        return Serialization.unmarshal(document, SshTunnel.class);
    }
}
