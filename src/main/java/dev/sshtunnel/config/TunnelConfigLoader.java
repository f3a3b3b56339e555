package dev.sshtunnel.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.HostKeySpec;
import dev.sshtunnel.api.v1alpha1.KeepAliveSpec;
import dev.sshtunnel.api.v1alpha1.PrivateKeySecretRef;
import dev.sshtunnel.api.v1alpha1.ReconnectSpec;
import dev.sshtunnel.api.v1alpha1.SecretKeyRef;
import dev.sshtunnel.api.v1alpha1.SshEndpoint;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;

/**
 * Reads an SshTunnel document (the whole resource, as applied to a cluster), applying the CRD
 * schema's defaults so a workstation run behaves like a pod, with the secret values it refers to
 * from {@link SecretFiles}.
 */
public final class TunnelConfigLoader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);

    private final SecretFiles secrets;

    private TunnelConfigLoader(SecretFiles secrets) {
        this.secrets = secrets;
    }

    public static TunnelConfig load(Path file, Path secretsDir) throws ConfigException {
        return load(file, new SecretFiles(secretsDir));
    }

    public static TunnelConfig load(Path file, SecretFiles secrets) throws ConfigException {
        return new TunnelConfigLoader(secrets).read(parse(file));
    }

    static SshTunnel parse(Path file) throws ConfigException {
        try {
            var tree = YAML.readTree(Files.readString(file));
            if (tree == null || !tree.isObject()) {
                throw new ConfigException(file + ": not an SshTunnel document");
            }
            if (!"SshTunnel".equals(tree.path("kind").asText()) || !SshTunnel.API_VERSION.equals(tree.path("apiVersion").asText())) {
                throw new ConfigException(file + ": expected apiVersion " + SshTunnel.API_VERSION + " and kind SshTunnel, found "
                        + tree.path("apiVersion").asText("<none>") + " " + tree.path("kind").asText("<none>"));
            }
            // status is the operator's business; a document exported with kubectl may carry it.
            ((com.fasterxml.jackson.databind.node.ObjectNode) tree).remove("status");
            return YAML.treeToValue(tree, SshTunnel.class);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found");
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(path(e) + ": unknown field (not in the SshTunnel schema; check its spelling)");
        } catch (JsonMappingException e) {
            throw new ConfigException(path(e) + ": " + e.getOriginalMessage().split("\n")[0]);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "document" : path.toString();
    }

    private TunnelConfig read(SshTunnel tunnel) throws ConfigException {
        SshTunnelSpec spec = required(tunnel.getSpec(), "spec");
        SshSpec ssh = required(spec.getSsh(), "spec.ssh");
        EndpointConfig server = endpoint(ssh, "spec.ssh");
        List<EndpointConfig> jumps = new ArrayList<>();
        for (int i = 0; i < ssh.getJumpHosts().size(); i++) {
            jumps.add(endpoint(ssh.getJumpHosts().get(i), "spec.ssh.jumpHosts[" + i + "]"));
        }
        KeepAliveSpec keepAlive = ssh.getKeepAlive() == null ? new KeepAliveSpec() : ssh.getKeepAlive();
        ReconnectSpec reconnect = ssh.getReconnect() == null ? new ReconnectSpec() : ssh.getReconnect();
        int interval = positive(keepAlive.effectiveIntervalSeconds(), "spec.ssh.keepAlive.intervalSeconds");
        int maxMissed = positive(keepAlive.effectiveMaxMissed(), "spec.ssh.keepAlive.maxMissed");
        int connectTimeout = positive(ssh.effectiveConnectTimeoutSeconds(), "spec.ssh.connectTimeoutSeconds");
        int minBackoff = positive(reconnect.effectiveMinBackoffSeconds(), "spec.ssh.reconnect.minBackoffSeconds");
        int maxBackoff = positive(reconnect.effectiveMaxBackoffSeconds(), "spec.ssh.reconnect.maxBackoffSeconds");
        int sessions = ssh.effectiveSessions();
        if (sessions < 1 || sessions > SshSpec.MAX_SESSIONS) {
            throw new ConfigException("spec.ssh.sessions: " + sessions + " is not between 1 and " + SshSpec.MAX_SESSIONS);
        }
        if (minBackoff > maxBackoff) {
            throw new ConfigException("spec.ssh.reconnect.minBackoffSeconds: " + minBackoff + " exceeds maxBackoffSeconds " + maxBackoff);
        }
        if (spec.getForwards() == null || spec.getForwards().isEmpty()) {
            throw new ConfigException("spec.forwards: at least one forward is required");
        }
        List<ForwardConfig> forwards = new ArrayList<>();
        for (int i = 0; i < spec.getForwards().size(); i++) {
            forwards.add(forward(spec.getForwards().get(i), "spec.forwards[" + i + "]", forwards));
        }
        String namespace = tunnel.getMetadata() == null ? null : tunnel.getMetadata().getNamespace();
        String name = tunnel.getMetadata() == null ? null : tunnel.getMetadata().getName();
        Long generation = tunnel.getMetadata() == null ? null : tunnel.getMetadata().getGeneration();
        return new TunnelConfig(namespace, name == null ? "tunnel" : name, generation, server, jumps, Duration.ofSeconds(interval),
                maxMissed, Duration.ofSeconds(connectTimeout), Duration.ofSeconds(minBackoff), Duration.ofSeconds(maxBackoff),
                sessions, forwards);
    }

    private SecretValue secret(SecretKeyRef ref, String path) throws ConfigException {
        if (ref == null) {
            return null;
        }
        return secrets.read(required(blankToNull(ref.getName()), path + ".name"),
                required(blankToNull(ref.getKey()), path + ".key"), path);
    }

    private EndpointConfig endpoint(SshEndpoint endpoint, String path) throws ConfigException {
        String host = required(blankToNull(endpoint.getHost()), path + ".host");
        String user = required(blankToNull(endpoint.getUser()), path + ".user");
        int port = port(endpoint.getPort(), SshEndpoint.DEFAULT_PORT, path + ".port", false);
        PrivateKeySecretRef keyRef = endpoint.getPrivateKeySecretRef();
        SecretValue privateKey = secret(keyRef, path + ".privateKeySecretRef");
        SecretValue passphrase = keyRef == null || keyRef.getPassphraseKey() == null ? null
                : secret(new SecretKeyRef(keyRef.getName(), keyRef.getPassphraseKey()), path + ".privateKeySecretRef.passphraseKey");
        SecretValue certificate = secret(endpoint.getCertificateSecretRef(), path + ".certificateSecretRef");
        SecretValue password = secret(endpoint.getPasswordSecretRef(), path + ".passwordSecretRef");
        if (privateKey == null && password == null) {
            throw new ConfigException(path + ": a credential is required: set privateKeySecretRef or passwordSecretRef");
        }
        if (certificate != null && privateKey == null) {
            throw new ConfigException(path + ".certificateSecretRef: needs privateKeySecretRef");
        }
        HostKeySpec hostKey = endpoint.getHostKey() == null ? new HostKeySpec() : endpoint.getHostKey();
        HostKeyPolicy policy = hostKey.getPolicy() == null ? HostKeyPolicy.Strict : hostKey.getPolicy();
        KnownHostsText.parse(hostKey.getKnownHosts(), path + ".hostKey.knownHosts");
        return new EndpointConfig(host, port, user, privateKey, passphrase, certificate, password,
                new HostKeyConfig(policy, hostKey.getKnownHosts(), hostKey.getFingerprints()));
    }

    private ForwardConfig forward(ForwardSpec forward, String path, List<ForwardConfig> earlier) throws ConfigException {
        String name = required(blankToNull(forward.getName()), path + ".name");
        ForwardType type = required(forward.getType(), path + ".type");
        boolean remote = type == ForwardType.Remote;
        int port = port(forward.getPort(), null, path + ".port", remote);
        if (!remote && forward.getBindAddress() != null) {
            throw new ConfigException(path + ".bindAddress: only for Remote forwards");
        }
        String targetHost = null;
        int targetPort = 0;
        if (type == ForwardType.Dynamic) {
            if (forward.getTarget() != null) {
                throw new ConfigException(path + ".target: must not be set for Dynamic forwards");
            }
        } else {
            required(forward.getTarget(), path + ".target");
            targetHost = required(blankToNull(forward.getTarget().getHost()), path + ".target.host");
            targetPort = port(forward.getTarget().getPort(), null, path + ".target.port", false);
        }
        for (ForwardConfig other : earlier) {
            if (other.name().equals(name)) {
                throw new ConfigException(path + ".name: \"" + name + "\" is used by another forward");
            }
            if (!remote && other.type() != ForwardType.Remote && other.port() == port) {
                throw new ConfigException(path + ".port: " + port + " is used by forward \"" + other.name() + "\"");
            }
        }
        String bindAddress = remote ? (forward.getBindAddress() == null ? ForwardSpec.DEFAULT_BIND_ADDRESS : forward.getBindAddress()) : null;
        int maxConnections = positive(forward.getMaxConnections() == null ? ForwardSpec.DEFAULT_MAX_CONNECTIONS
                : forward.getMaxConnections(), path + ".maxConnections");
        Duration idleTimeout = forward.getIdleTimeoutSeconds() == null ? null
                : Duration.ofSeconds(positive(forward.getIdleTimeoutSeconds(), path + ".idleTimeoutSeconds"));
        // A fixed remote port is held by one session at a time: another replica's, the old pod's during a
        // rolling update, or our own stale one after a reconnect. The others wait for it (Standby).
        boolean standby = remote && port != 0;
        return new ForwardConfig(name, type, bindAddress, port, targetHost, targetPort, maxConnections, idleTimeout, standby);
    }

    private static int port(Integer value, Integer fallback, String path, boolean zeroAllowed) throws ConfigException {
        Integer port = value == null ? fallback : value;
        if (port == null) {
            throw new ConfigException(path + ": required");
        }
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            throw new ConfigException(path + ": " + port + " is not a port (" + (zeroAllowed ? "0" : "1") + "-65535)");
        }
        return port;
    }

    private static int positive(int value, String path) throws ConfigException {
        if (value < 1) {
            throw new ConfigException(path + ": must be at least 1, got " + value);
        }
        return value;
    }

    private static <T> T required(T value, String path) throws ConfigException {
        if (value == null) {
            throw new ConfigException(path + ": required");
        }
        return value;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
