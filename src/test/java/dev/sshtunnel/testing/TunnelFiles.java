package dev.sshtunnel.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.JumpHostSpec;
import dev.sshtunnel.api.v1alpha1.ProxyCredentialsSecretRef;
import dev.sshtunnel.api.v1alpha1.ProxySpec;
import dev.sshtunnel.api.v1alpha1.ProxyType;
import dev.sshtunnel.api.v1alpha1.SecretKeyRef;
import dev.sshtunnel.api.v1alpha1.SshEndpoint;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Writes what the operator would mount into a forwarder pod: tunnel.yaml and a secrets directory
 * laid out as DIR/secret-name/key.
 */
public final class TunnelFiles {

    private final Path dir;
    private final List<ForwardSpec> forwards = new ArrayList<>();
    private final SshTunnel tunnel;

    /** Fast keepalive, reconnect and connect time-outs, so tests see faults within seconds. */
    public TunnelFiles(Path dir, String host, int port, String user) {
        this.dir = dir;
        tunnel = TunnelFixtures.to("default", "test", host, port, user, forwards);
        SshSpec ssh = tunnel.getSpec().getSsh();
        TunnelFixtures.fastFaults(ssh);
        ssh.setConnectTimeoutSeconds(5);
    }

    public SshSpec ssh() {
        return tunnel.getSpec().getSsh();
    }

    /** Copies a private key (and optional passphrase) into secrets/NAME/ and references it. */
    public TunnelFiles privateKey(SshEndpoint endpoint, String secretName, Path key, String passphrase) {
        secret(secretName, "id", read(key));
        UsedSecrets.privateKey(key);
        UsedSecrets.text(passphrase);
        if (passphrase != null) {
            secret(secretName, "passphrase", (passphrase + "\n").getBytes());
        }
        endpoint.setPrivateKeySecretRef(TunnelFixtures.keyRef(secretName, "id", passphrase == null ? null : "passphrase"));
        return this;
    }

    public TunnelFiles privateKey(Path key) {
        return privateKey(ssh(), "bastion-key", key, null);
    }

    public TunnelFiles certificate(SshEndpoint endpoint, String secretName, Path certificate) {
        secret(secretName, "cert", read(certificate));
        endpoint.setCertificateSecretRef(new SecretKeyRef(secretName, "cert"));
        return this;
    }

    public TunnelFiles hostKey(SshEndpoint endpoint, HostKeyPolicy policy, String knownHosts, String... fingerprints) {
        endpoint.setHostKey(TunnelFixtures.hostKey(policy, knownHosts, fingerprints));
        return this;
    }

    public TunnelFiles hostKey(String knownHosts) {
        return hostKey(ssh(), HostKeyPolicy.Strict, knownHosts);
    }

    /** The first connection goes through this proxy (spec.ssh.proxy). */
    public TunnelFiles proxy(ProxyType type, String host, int port) {
        ProxySpec proxy = new ProxySpec();
        proxy.setType(type);
        proxy.setHost(host);
        proxy.setPort(port);
        ssh().setProxy(proxy);
        return this;
    }

    /** The proxy's user name and password, in Secret NAME (keys user, password); rewritten in place for a rotation. */
    public TunnelFiles proxyCredentials(String secretName, String user, String password) {
        UsedSecrets.text(password);
        secret(secretName, "user", (user + "\n").getBytes());
        secret(secretName, "password", (password + "\n").getBytes());
        ssh().getProxy().setCredentialsSecretRef(new ProxyCredentialsSecretRef(secretName, "user", "password"));
        return this;
    }

    public TunnelFiles local(String name, int port, String host, int targetPort) {
        forwards.add(TunnelFixtures.local(name, port, host, targetPort));
        return this;
    }

    public TunnelFiles remote(String name, int port, String host, int targetPort) {
        ForwardSpec forward = TunnelFixtures.remote(name, port, host, targetPort);
        forward.setBindAddress("127.0.0.1");
        forwards.add(forward);
        return this;
    }

    public TunnelFiles dynamic(String name, int port) {
        forwards.add(TunnelFixtures.dynamic(name, port));
        return this;
    }

    /** A jump host at the given sshd on loopback, with its own copy of the key and its known_hosts line; add it with ssh().setJumpHosts. */
    public JumpHostSpec jumpHost(OpenSshServer server, Path key, String secretName) {
        JumpHostSpec hop = new JumpHostSpec();
        hop.setHost("127.0.0.1");
        hop.setPort(server.port());
        hop.setUser(server.user());
        privateKey(hop, secretName, key, null);
        hostKey(hop, HostKeyPolicy.Strict, server.knownHostsLine());
        return hop;
    }

    /** Drops the forward of that name (a live change removes it). */
    public TunnelFiles without(String name) {
        if (!forwards.removeIf(f -> f.getName().equals(name))) {
            throw new IllegalArgumentException("no forward " + name);
        }
        return this;
    }

    /** The forward of that name, to change it. */
    public TunnelFiles change(String name, java.util.function.Consumer<ForwardSpec> change) {
        change.accept(forwards.stream().filter(f -> f.getName().equals(name)).findFirst().orElseThrow());
        return this;
    }

    /** The forward added last, to set its other fields. */
    public TunnelFiles with(java.util.function.Consumer<ForwardSpec> change) {
        change.accept(forwards.get(forwards.size() - 1));
        return this;
    }

    public Path secretsDir() {
        return dir.resolve("secrets");
    }

    /** Writes tunnel.yaml and returns its path. */
    public Path write() {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("tunnel.yaml");
            // Replaced in one step, as the kubelet swaps a ConfigMap volume: a running forwarder never reads half a file.
            Path next = dir.resolve(".tunnel.yaml.next");
            Files.writeString(next, Serialization.asYaml(tunnel));
            Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.createDirectories(secretsDir());
            return file;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void secret(String name, String key, byte[] content) {
        try {
            Path file = secretsDir().resolve(name).resolve(key);
            Files.createDirectories(file.getParent());
            Files.write(file, content);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
