package dev.sshtunnel.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.HostKeySpec;
import dev.sshtunnel.api.v1alpha1.KeepAliveSpec;
import dev.sshtunnel.api.v1alpha1.PrivateKeySecretRef;
import dev.sshtunnel.api.v1alpha1.ReconnectSpec;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import dev.sshtunnel.api.v1alpha1.TargetSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * The one place tests build SshTunnels and their forwards: as operator tests apply them ({@link #tunnel}),
 * and as {@link TunnelFiles} writes them for a forwarder ({@link #to}).
 */
public final class TunnelFixtures {

    public static final String KEY_SECRET = "bastion-key";
    public static final String KEY = "id_ed25519";

    private TunnelFixtures() {
    }

    /** A tunnel to user@host:port with only these forwards: no credentials, host keys or other settings yet. */
    public static SshTunnel to(String namespace, String name, String host, Integer port, String user, List<ForwardSpec> forwards) {
        SshTunnel tunnel = new SshTunnel();
        tunnel.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        SshTunnelSpec spec = new SshTunnelSpec();
        SshSpec ssh = new SshSpec();
        ssh.setHost(host);
        ssh.setPort(port);
        ssh.setUser(user);
        spec.setSsh(ssh);
        spec.setForwards(forwards);
        tunnel.setSpec(spec);
        return tunnel;
    }

    /** A tunnel of operator tests on a bastion: spec.bastionRef instead of spec.ssh. */
    public static SshTunnel onBastion(String namespace, String name, dev.sshtunnel.api.v1alpha1.BastionKind kind, String bastion,
            ForwardSpec... forwards) {
        SshTunnel tunnel = tunnel(namespace, name, forwards);
        tunnel.getSpec().setSsh(null);
        tunnel.getSpec().setBastionRef(new dev.sshtunnel.api.v1alpha1.BastionRef(kind, bastion));
        return tunnel;
    }

    /** A tenant's tunnel as a tenant writes it: spec.bastionRef and its forwards, nothing else (the API server defaults the rest). */
    public static SshTunnel asWrittenOnBastion(String namespace, String name, dev.sshtunnel.api.v1alpha1.BastionKind kind,
            String bastion, ForwardSpec... forwards) {
        SshTunnel tunnel = onBastion(namespace, name, kind, bastion, forwards);
        tunnel.getSpec().setReplicas(null);
        tunnel.getSpec().setSuspend(null);
        return tunnel;
    }

    /**
     * A ClusterSshBastion of operator tests: the test tunnel's server and key (Secret {@link #KEY_SECRET} in
     * credentialsNamespace), granted to namespaces labelled team=LABEL, Remote binds localhost:8000-8999.
     */
    public static dev.sshtunnel.api.v1alpha1.ClusterSshBastion clusterBastion(String name, String credentialsNamespace, String team) {
        var bastion = new dev.sshtunnel.api.v1alpha1.ClusterSshBastion();
        bastion.setMetadata(new ObjectMetaBuilder().withName(name).build());
        var spec = new dev.sshtunnel.api.v1alpha1.ClusterSshBastionSpec();
        spec.setSsh(tunnel("x", "x").getSpec().getSsh());
        spec.setCredentialsNamespace(credentialsNamespace);
        var allowed = new dev.sshtunnel.api.v1alpha1.AllowedNamespaces();
        allowed.setFrom(dev.sshtunnel.api.v1alpha1.AllowedNamespaces.From.Selector);
        allowed.setSelector(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder().addToMatchLabels("team", team).build());
        spec.setAllowedNamespaces(allowed);
        var remote = new dev.sshtunnel.api.v1alpha1.RemoteGrant();
        remote.setBindAddresses(List.of("localhost"));
        remote.setPorts(List.of("8000-8999"));
        spec.setRemote(remote);
        bastion.setSpec(spec);
        return bastion;
    }

    /** The tunnel of operator tests: tunnel@bastion.example.com:22, its key in Secret {@link #KEY_SECRET}, one replica. */
    public static SshTunnel tunnel(String namespace, String name, ForwardSpec... forwards) {
        SshTunnel tunnel = to(namespace, name, "bastion.example.com", 22, "tunnel", List.of(forwards));
        SshSpec ssh = tunnel.getSpec().getSsh();
        ssh.setPrivateKeySecretRef(keyRef(KEY_SECRET, KEY, null));
        ssh.setHostKey(hostKey(null,
                "bastion.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKeyForTestsOnly0000000000000000000"));
        tunnel.getSpec().setReplicas(1);
        tunnel.getSpec().setSuspend(false);
        return tunnel;
    }

    /** Keepalive every second (dead after 2 missed) and reconnects 1-2 s apart: tests see faults within seconds. */
    public static void fastFaults(SshSpec ssh) {
        KeepAliveSpec keepAlive = new KeepAliveSpec();
        keepAlive.setIntervalSeconds(1);
        keepAlive.setMaxMissed(2);
        ssh.setKeepAlive(keepAlive);
        fastReconnect(ssh);
    }

    /** Reconnects 1-2 s apart, e.g. while nothing answers yet. */
    public static void fastReconnect(SshSpec ssh) {
        ReconnectSpec reconnect = new ReconnectSpec();
        reconnect.setMinBackoffSeconds(1);
        reconnect.setMaxBackoffSeconds(2);
        ssh.setReconnect(reconnect);
    }

    public static PrivateKeySecretRef keyRef(String secretName, String key, String passphraseKey) {
        PrivateKeySecretRef ref = new PrivateKeySecretRef();
        ref.setName(secretName);
        ref.setKey(key);
        ref.setPassphraseKey(passphraseKey);
        return ref;
    }

    /** Host key rules; a null policy is left to the default (Strict). */
    public static HostKeySpec hostKey(HostKeyPolicy policy, String knownHosts, String... fingerprints) {
        HostKeySpec hostKey = new HostKeySpec();
        hostKey.setPolicy(policy);
        hostKey.setKnownHosts(knownHosts);
        hostKey.setFingerprints(new ArrayList<>(List.of(fingerprints)));
        return hostKey;
    }

    public static ForwardSpec local(String name, int port, String host, int targetPort) {
        return forward(name, ForwardType.Local, port, new TargetSpec(host, targetPort));
    }

    public static ForwardSpec remote(String name, int port, String host, int targetPort) {
        return forward(name, ForwardType.Remote, port, new TargetSpec(host, targetPort));
    }

    public static ForwardSpec dynamic(String name, int port) {
        return forward(name, ForwardType.Dynamic, port, null);
    }

    private static ForwardSpec forward(String name, ForwardType type, int port, TargetSpec target) {
        ForwardSpec f = new ForwardSpec();
        f.setName(name);
        f.setType(type);
        f.setPort(port);
        f.setTarget(target);
        return f;
    }

    /** A Remote forward bound to {@code bindAddress} on the server. */
    public static ForwardSpec remote(String name, String bindAddress, int port, String host, int targetPort) {
        ForwardSpec f = remote(name, port, host, targetPort);
        f.setBindAddress(bindAddress);
        return f;
    }

    /**
     * A tunnel as the sandbox ITs apply it: through {@code sshd} on loopback, as its user, pinned to its host key, the
     * client key in Secret {@link #KEY_SECRET}; no namespace (kubectl's). Its forwards may be added to.
     */
    public static SshTunnel through(OpenSshServer sshd, String name, ForwardSpec... forwards) {
        SshTunnel tunnel = to(null, name, "127.0.0.1", sshd.port(), sshd.user(), new ArrayList<>(List.of(forwards)));
        tunnel.getSpec().getSsh().setPrivateKeySecretRef(keyRef(KEY_SECRET, KEY, null));
        tunnel.getSpec().getSsh().setHostKey(hostKey(null, sshd.knownHostsLine()));
        return tunnel;
    }

    /** {@link #through} sshd with one Local forward "echo": PORT to 127.0.0.1:ECHO_PORT. */
    public static SshTunnel localTunnel(String name, OpenSshServer sshd, int port, int echoPort) {
        return through(sshd, name, local("echo", port, "127.0.0.1", echoPort));
    }

    /** What {@code kubectl apply -f -} reads: each object as a YAML document. */
    public static String yaml(HasMetadata... objects) {
        StringBuilder documents = new StringBuilder();
        for (HasMetadata object : objects) {
            documents.append(Serialization.asYaml(object));
        }
        return documents.toString();
    }

    public static Secret keySecret(String namespace, String keyMaterial) {
        return new SecretBuilder()
                .withNewMetadata().withName(KEY_SECRET).withNamespace(namespace).endMetadata()
                .withData(Map.of(KEY, Base64.getEncoder().encodeToString(keyMaterial.getBytes(StandardCharsets.UTF_8))))
                .build();
    }
}
