package dev.sshtunnel.operator;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.HostKeySpec;
import dev.sshtunnel.api.v1alpha1.PrivateKeySecretRef;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import dev.sshtunnel.api.v1alpha1.TargetSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

/** SshTunnels and Secrets for operator tests, in the three forward mixes users run. */
final class TunnelFixtures {

    static final String KEY_SECRET = "bastion-key";
    static final String KEY = "id_ed25519";

    private TunnelFixtures() {
    }

    static SshTunnel tunnel(String namespace, String name, ForwardSpec... forwards) {
        SshTunnel tunnel = new SshTunnel();
        tunnel.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        SshTunnelSpec spec = new SshTunnelSpec();
        SshSpec ssh = new SshSpec();
        ssh.setHost("bastion.example.com");
        ssh.setPort(22);
        ssh.setUser("tunnel");
        PrivateKeySecretRef key = new PrivateKeySecretRef();
        key.setName(KEY_SECRET);
        key.setKey(KEY);
        ssh.setPrivateKeySecretRef(key);
        HostKeySpec hostKey = new HostKeySpec();
        hostKey.setKnownHosts("bastion.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKeyForTestsOnly0000000000000000000");
        ssh.setHostKey(hostKey);
        spec.setSsh(ssh);
        spec.setForwards(List.of(forwards));
        spec.setReplicas(1);
        spec.setSuspend(false);
        tunnel.setSpec(spec);
        return tunnel;
    }

    static ForwardSpec local(String name, int port, String host, int targetPort) {
        ForwardSpec f = new ForwardSpec();
        f.setName(name);
        f.setType(ForwardType.Local);
        f.setPort(port);
        f.setTarget(new TargetSpec(host, targetPort));
        return f;
    }

    static ForwardSpec remote(String name, int port, String host, int targetPort) {
        ForwardSpec f = new ForwardSpec();
        f.setName(name);
        f.setType(ForwardType.Remote);
        f.setPort(port);
        f.setTarget(new TargetSpec(host, targetPort));
        return f;
    }

    static ForwardSpec dynamic(String name, int port) {
        ForwardSpec f = new ForwardSpec();
        f.setName(name);
        f.setType(ForwardType.Dynamic);
        f.setPort(port);
        return f;
    }

    static Secret keySecret(String namespace, String keyMaterial) {
        return new SecretBuilder()
                .withNewMetadata().withName(KEY_SECRET).withNamespace(namespace).endMetadata()
                .withData(Map.of(KEY, Base64.getEncoder().encodeToString(keyMaterial.getBytes(StandardCharsets.UTF_8))))
                .build();
    }
}
