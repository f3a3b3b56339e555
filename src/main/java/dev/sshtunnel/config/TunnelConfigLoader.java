package dev.sshtunnel.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.HostKeySpec;
import dev.sshtunnel.api.v1alpha1.KeepAliveSpec;
import dev.sshtunnel.api.v1alpha1.PrivateKeySecretRef;
import dev.sshtunnel.api.v1alpha1.ProxyCredentialsSecretRef;
import dev.sshtunnel.api.v1alpha1.ProxySpec;
import dev.sshtunnel.api.v1alpha1.ReconnectSpec;
import dev.sshtunnel.api.v1alpha1.SecretKeyRef;
import dev.sshtunnel.api.v1alpha1.SshEndpoint;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import dev.sshtunnel.config.validation.CrdSchema;
import dev.sshtunnel.config.validation.ManifestValidator;
import dev.sshtunnel.config.validation.Violation;

/**
 * Reads an SshTunnel document (the whole resource, as applied to a cluster) in three steps: the
 * installed CRD's schema defaults, its schema and CEL rules ({@link ManifestValidator}: a
 * workstation run refuses what `kubectl apply` refuses, in the same words), then a mapping to the
 * forwarder's configuration with the secret values it refers to from {@link SecretFiles}.
 */
public final class TunnelConfigLoader {

    /** Whether this process judges the document by the CRD's rules, or an API server already has. */
    public enum Admission {
        /** A document from a user's hands: judged here as `kubectl apply` would. */
        CHECK_CRD_RULES,
        /**
         * The operator's rendering of an SshTunnel the API server admitted by this CRD (forwarder pods):
         * the rules' evaluators are not loaded, which keeps them off the pod's start path (docs/benchmarks.md).
         */
        ADMITTED
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);

    private final SecretFiles secrets;
    private final Admission admission;

    public TunnelConfigLoader(SecretFiles secrets, Admission admission) {
        this.secrets = secrets;
        this.admission = admission;
    }

    /** A user's document, judged by the CRD's rules. */
    public static TunnelConfig load(Path file, Path secretsDir) throws ConfigException {
        return new TunnelConfigLoader(new SecretFiles(secretsDir), Admission.CHECK_CRD_RULES).load(file);
    }

    public TunnelConfig load(Path file) throws ConfigException {
        ObjectNode document = read(file);
        if (admission == Admission.CHECK_CRD_RULES) {
            judge(document);
        }
        try {
            return map(typed(file, Schema.CRD.withDefaults(document)));
        } catch (RuntimeException e) {
            // Not what an API server admitted after all (a hand-edited ConfigMap): say why in the CRD's words.
            // A ConfigException already says what is wrong and where (a missing secret file, say), and
            // judging it would load the rules' evaluators into the pod for nothing.
            if (admission == Admission.ADMITTED) {
                judge(document);
            }
            throw e;
        }
    }

    private static void judge(ObjectNode document) throws ConfigException {
        List<Violation> violations = Rules.VALIDATOR.validate(document);
        if (!violations.isEmpty()) {
            throw new ConfigException(violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
        }
    }

    /** The document as a tree: an SshTunnel of our API version, its status dropped. */
    static ObjectNode read(Path file) throws ConfigException {
        try {
            var tree = YAML.readTree(Files.readString(file));
            if (tree == null || !tree.isObject()) {
                throw new ConfigException(file + ": not an SshTunnel document");
            }
            if (!SshTunnel.KIND.equals(tree.path("kind").asText()) || !SshTunnel.API_VERSION.equals(tree.path("apiVersion").asText())) {
                throw new ConfigException(file + ": expected apiVersion " + SshTunnel.API_VERSION + " and kind SshTunnel, found "
                        + tree.path("apiVersion").asText("<none>") + " " + tree.path("kind").asText("<none>"));
            }
            // status is the operator's business; a document exported with kubectl may carry it.
            ((ObjectNode) tree).remove("status");
            return (ObjectNode) tree;
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
    }

    private static SshTunnel typed(Path file, ObjectNode document) throws ConfigException {
        try {
            return YAML.treeToValue(document, SshTunnel.class);
        } catch (JsonMappingException e) {
            // The Java types generate the CRD, so an admitted document that does not map is a build defect: say where.
            throw new ConfigException(path(e) + ": " + e.getOriginalMessage().split("\n")[0]);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": " + e.getOriginalMessage().split("\n")[0]);
        }
    }

    /** Read once per process: the forwarder re-reads its document on every change. */
    private static final class Schema {
        static final CrdSchema CRD = CrdSchema.fromClasspath();
    }

    /** Apart from {@link Schema}, so an {@link Admission#ADMITTED} run never loads the evaluators. */
    private static final class Rules {
        static final ManifestValidator VALIDATOR = new ManifestValidator(Schema.CRD);
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

    /**
     * The admitted resource as the forwarder's configuration: no checks left here but those the CRD
     * cannot make (secret files exist and are readable, known_hosts lines parse).
     */
    private TunnelConfig map(SshTunnel tunnel) throws ConfigException {
        SshTunnelSpec spec = tunnel.getSpec();
        SshSpec ssh = spec.getSsh();
        if (ssh == null) {
            // The operator renders a bastion's spec.ssh into the forwarder's document; a document by hand carries its own.
            throw new ConfigException("spec.ssh: the forwarder needs it: spec.bastionRef is resolved by the operator, "
                    + "which writes the bastion's ssh into the forwarder's tunnel.yaml");
        }
        for (int i = 0; i < spec.getForwards().size(); i++) {
            var target = spec.getForwards().get(i).getTarget();
            if (target != null && target.getHost() == null) {
                throw new ConfigException("spec.forwards[" + i + "].target.host: the forwarder needs it: target.service "
                        + "is resolved by the operator to <service>.<namespace>.svc");
            }
        }
        EndpointConfig server = endpoint(ssh, "spec.ssh");
        List<EndpointConfig> jumps = new ArrayList<>();
        for (int i = 0; i < ssh.getJumpHosts().size(); i++) {
            jumps.add(endpoint(ssh.getJumpHosts().get(i), "spec.ssh.jumpHosts[" + i + "]"));
        }
        ProxyConfig proxy = proxy(ssh.getProxy(), "spec.ssh.proxy");
        KeepAliveSpec keepAlive = ssh.getKeepAlive() == null ? new KeepAliveSpec() : ssh.getKeepAlive();
        ReconnectSpec reconnect = ssh.getReconnect() == null ? new ReconnectSpec() : ssh.getReconnect();
        List<ForwardConfig> forwards = new ArrayList<>();
        for (ForwardSpec forward : spec.getForwards()) {
            forwards.add(forward(forward));
        }
        var metadata = tunnel.getMetadata();
        return new TunnelConfig(metadata.getNamespace(), metadata.getName(), metadata.getGeneration(), server, jumps, proxy,
                Duration.ofSeconds(keepAlive.effectiveIntervalSeconds()), keepAlive.effectiveMaxMissed(),
                Duration.ofSeconds(ssh.effectiveConnectTimeoutSeconds()), Duration.ofSeconds(reconnect.effectiveMinBackoffSeconds()),
                Duration.ofSeconds(reconnect.effectiveMaxBackoffSeconds()), ssh.effectiveSessions(), forwards);
    }

    private SecretValue secret(SecretKeyRef ref, String path) throws ConfigException {
        return ref == null ? null : secrets.read(ref.getName(), ref.getKey(), path);
    }

    private ProxyConfig proxy(ProxySpec proxy, String path) throws ConfigException {
        if (proxy == null) {
            return null;
        }
        ProxyCredentialsSecretRef ref = proxy.getCredentialsSecretRef();
        SecretValue username = ref == null ? null : secrets.read(ref.getName(), ref.getUsernameKey(), path + ".credentialsSecretRef.usernameKey");
        SecretValue password = ref == null ? null : secrets.read(ref.getName(), ref.getPasswordKey(), path + ".credentialsSecretRef.passwordKey");
        return new ProxyConfig(proxy.getType(), proxy.getHost(), proxy.getPort(), username, password);
    }

    private EndpointConfig endpoint(SshEndpoint endpoint, String path) throws ConfigException {
        PrivateKeySecretRef keyRef = endpoint.getPrivateKeySecretRef();
        SecretValue privateKey = secret(keyRef, path + ".privateKeySecretRef");
        SecretValue passphrase = keyRef == null || keyRef.getPassphraseKey() == null ? null
                : secret(new SecretKeyRef(keyRef.getName(), keyRef.getPassphraseKey()), path + ".privateKeySecretRef.passphraseKey");
        SecretValue certificate = secret(endpoint.getCertificateSecretRef(), path + ".certificateSecretRef");
        SecretValue password = secret(endpoint.getPasswordSecretRef(), path + ".passwordSecretRef");
        HostKeySpec hostKey = endpoint.getHostKey() == null ? new HostKeySpec() : endpoint.getHostKey();
        KnownHostsText.parse(hostKey.getKnownHosts(), path + ".hostKey.knownHosts");
        return new EndpointConfig(endpoint.getHost(), endpoint.effectivePort(), endpoint.getUser(), privateKey, passphrase,
                certificate, password, new HostKeyConfig(hostKey.effectivePolicy(), hostKey.getKnownHosts(), hostKey.getFingerprints()));
    }

    private static ForwardConfig forward(ForwardSpec forward) {
        boolean remote = forward.getType() == ForwardType.Remote;
        boolean dynamic = forward.getType() == ForwardType.Dynamic;
        int port = forward.getPort();
        Duration idleTimeout = forward.getIdleTimeoutSeconds() == null ? null : Duration.ofSeconds(forward.getIdleTimeoutSeconds());
        // A fixed remote port is held by one session at a time: another replica's, the old pod's during a
        // rolling update, or our own stale one after a reconnect. The others wait for it (Standby).
        boolean standby = remote && port != 0;
        return new ForwardConfig(forward.getName(), forward.getType(), remote ? forward.effectiveBindAddress() : null, port,
                dynamic ? null : forward.getTarget().getHost(), dynamic ? 0 : forward.getTarget().getPort(),
                forward.effectiveMaxConnections(), idleTimeout, standby, forward.getProbe() == null ? null : ProbeConfig.of(forward.getProbe()),
                Set.copyOf(forward.effectiveProtocols()));
    }
}
