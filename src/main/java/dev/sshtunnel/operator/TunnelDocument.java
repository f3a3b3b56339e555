package dev.sshtunnel.operator;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * tunnel.yaml, the file the forwarder reads: the SshTunnel as the user applied it (spec with the
 * API server's defaults), without status or server-managed metadata, so the same file runs on a
 * workstation with `forward -f`.
 */
public final class TunnelDocument {

    public static final String FILE_NAME = "tunnel.yaml";

    private TunnelDocument() {
    }

    public static String render(SshTunnel tunnel) {
        SshTunnel document = new SshTunnel();
        document.setMetadata(new ObjectMetaBuilder()
                .withName(tunnel.getMetadata().getName())
                .withNamespace(tunnel.getMetadata().getNamespace())
                .build());
        document.setSpec(tunnel.getSpec());
        document.setStatus(null);
        return Serialization.asYaml(document);
    }

    /** The tunnel a rendered document describes (what running forwarder pods were started with). */
    public static SshTunnel parse(String document) {
        return Serialization.unmarshal(document, SshTunnel.class);
    }
}
