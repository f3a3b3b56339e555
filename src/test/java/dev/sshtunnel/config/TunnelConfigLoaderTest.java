package dev.sshtunnel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.TunnelFixtures;

class TunnelConfigLoaderTest {

    @TempDir
    Path dir;

    private Path secrets;

    @BeforeEach
    void secrets() throws IOException {
        secrets = dir.resolve("secrets");
        Files.createDirectories(secrets.resolve("bastion-key"));
        Files.writeString(secrets.resolve("bastion-key/id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    }

    private Path yaml(String spec) throws IOException {
        Path file = dir.resolve("tunnel.yaml");
        Files.writeString(file, """
                apiVersion: sshtunnel.dev/v1alpha1
                kind: SshTunnel
                metadata: {name: warehouse, namespace: apps}
                """ + spec);
        return file;
    }

    private static final String SSH = """
            spec:
              ssh:
                host: bastion.example.com
                user: tunnel
                privateKeySecretRef: {name: bastion-key, key: id_ed25519}
            """;

    @Test
    void appliesTheSchemaDefaults() throws Exception {
        TunnelConfig config = TunnelConfigLoader.load(yaml(SSH + """
                  forwards:
                    - {name: postgres, type: Local, port: 5432, target: {host: db, port: 5432}}
                    - {name: hooks, type: Remote, port: 0, target: {host: web, port: 80}}
                    - {name: proxy, type: Dynamic, port: 1080}
                status: {observedGeneration: 3}
                """), secrets);

        assertThat(config.name()).isEqualTo("warehouse");
        assertThat(config.server().port()).isEqualTo(22);
        assertThat(config.server().hostKey().policy()).isEqualTo(HostKeyPolicy.Strict);
        assertThat(config.keepAliveInterval()).isEqualTo(Duration.ofSeconds(15));
        assertThat(config.keepAliveMaxMissed()).isEqualTo(3);
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(config.minBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.maxBackoff()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.forwards()).extracting(ForwardConfig::type)
                .containsExactly(ForwardType.Local, ForwardType.Remote, ForwardType.Dynamic);
        assertThat(config.forwards().get(1).bindAddress()).isEqualTo("localhost");
        assertThat(config.server().privateKey().text()).startsWith("-----BEGIN");
        assertThat(config.server().privateKey().toString()).doesNotContain("BEGIN").contains("redacted");
    }

    @Test
    void onlyARemoteForwardOnAFixedPortWaitsAsStandbyWhenRefused() throws Exception {
        TunnelConfig config = TunnelConfigLoader.load(yaml(SSH + """
                  forwards:
                    - {name: postgres, type: Local, port: 5432, target: {host: db, port: 5432}}
                    - {name: fixed, type: Remote, port: 9000, target: {host: web, port: 80}}
                    - {name: allocated, type: Remote, port: 0, target: {host: web, port: 80}}
                """), secrets);

        // A fixed port is held by one session at a time; port 0 is never taken, a refusal there is a rejection.
        assertThat(config.forwards()).extracting(ForwardConfig::name, ForwardConfig::standby).containsExactly(
                org.assertj.core.groups.Tuple.tuple("postgres", false), org.assertj.core.groups.Tuple.tuple("fixed", true),
                org.assertj.core.groups.Tuple.tuple("allocated", false));
    }

    @Test
    void aProbeComesWithItsDefaultsAndADynamicForwardsDestination() throws Exception {
        TunnelConfig config = TunnelConfigLoader.load(yaml(SSH + """
                  forwards:
                    - {name: db, type: Local, port: 5432, target: {host: db, port: 5432}, probe: {}}
                    - {name: proxy, type: Dynamic, port: 1080, probe: {intervalSeconds: 10, timeoutSeconds: 3, failureThreshold: 1,
                       successThreshold: 2, affectsReadiness: true, connect: {host: example.internal, port: 443}}}
                    - {name: hooks, type: Remote, port: 0, target: {host: web, port: 80}}
                """), secrets);

        assertThat(config.forwards().get(0).probe()).isEqualTo(new ProbeConfig(Duration.ofSeconds(30), Duration.ofSeconds(5), 3, 1,
                false, null, 0));
        assertThat(config.forwards().get(1).probe()).isEqualTo(new ProbeConfig(Duration.ofSeconds(10), Duration.ofSeconds(3), 1, 2,
                true, "example.internal", 443));
        assertThat(config.forwards().get(2).probe()).isNull();
        // A probe-only change is no change of the forward itself: its listener and channels stay.
        assertThat(config.forwards().get(0).withoutProbe()).isEqualTo(new ForwardConfig("db", ForwardType.Local, null, 5432, "db", 5432,
                config.forwards().get(0).maxConnections(), null, false));
    }

    @Test
    void missingSecretFileNamesFieldFileAndSecret() throws Exception {
        Files.delete(secrets.resolve("bastion-key/id_ed25519"));
        assertThatThrownBy(() -> TunnelConfigLoader.load(yaml(SSH + "  forwards: [{name: p, type: Dynamic, port: 1080}]\n"), secrets))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("spec.ssh.privateKeySecretRef: file ")
                .hasMessageContaining("bastion-key/id_ed25519 not found (Secret \"bastion-key\" key \"id_ed25519\")");
    }

    @Test
    void emptySecretFileIsAnError() throws Exception {
        Files.writeString(secrets.resolve("bastion-key/id_ed25519"), "");
        assertThatThrownBy(() -> TunnelConfigLoader.load(yaml(SSH + "  forwards: [{name: p, type: Dynamic, port: 1080}]\n"), secrets))
                .hasMessageContaining("is empty");
    }

    @Test
    void aKnownHostsLineThatDoesNotParseIsNamedByNumber() throws Exception {
        String spec = SSH + """
                    hostKey:
                      knownHosts: |
                        # comment
                        bastion.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBgnfsI4ebRFVExEs2CVmLp6xwSMR9PLLomOavVGBHmQ
                        bastion.example.com not-a-key
                  forwards: [{name: p, type: Dynamic, port: 1080}]
                """;
        assertThatThrownBy(() -> TunnelConfigLoader.load(yaml(spec), secrets))
                .isInstanceOf(dev.sshtunnel.config.ConfigException.class)
                .hasMessageStartingWith("spec.ssh.hostKey.knownHosts: line 3 is not a known_hosts entry");
    }

    @Test
    void unknownFieldIsNamed() throws Exception {
        assertThatThrownBy(() -> TunnelConfigLoader.load(yaml(SSH + "  forwards: [{name: p, type: Dynamic, port: 1080, tagret: x}]\n"),
                secrets))
                .hasMessageStartingWith("spec.forwards[0].tagret: unknown field");
    }

    @Test
    void wrongTypeIsNamed() throws Exception {
        assertThatThrownBy(() -> TunnelConfigLoader.load(yaml(SSH + "  forwards: [{name: p, type: Sideways, port: 1080}]\n"),
                secrets))
                .hasMessageStartingWith("spec.forwards[0].type:");
    }

    @Test
    void anAdmittedDocumentGetsTheSchemaDefaultsWithoutTheRules() throws Exception {
        // A forwarder pod's document: the API server judged it already, so only defaults and mapping run here
        // (a name the CRD's pattern refuses passes, proving the rules were not evaluated a second time).
        Path file = yaml(SSH + "  forwards: [{name: Proxy, type: Dynamic, port: 1080}]\n");
        TunnelConfig config = new TunnelConfigLoader(new SecretFiles(secrets), TunnelConfigLoader.Admission.ADMITTED).load(file);
        assertThat(config.server().port()).isEqualTo(22);
        assertThat(config.keepAliveInterval()).isEqualTo(Duration.ofSeconds(15));
        assertThat(config.sessions()).isEqualTo(1);
        assertThat(config.forwards()).extracting(ForwardConfig::name).containsExactly("Proxy");
        assertThatThrownBy(() -> TunnelConfigLoader.load(file, secrets)).hasMessageStartingWith("spec.forwards[0].name: Invalid value");
    }

    @Test
    void anAdmittedDocumentThatDoesNotMapIsJudgedToSayWhy() throws Exception {
        // "Admitted" but edited by hand: a Local forward without its target would fail in the mapping; the
        // CRD's rules say what is wrong instead of a NullPointerException.
        Path file = yaml(SSH + "  forwards: [{name: pg, type: Local, port: 5432}]\n");
        assertThatThrownBy(() -> new TunnelConfigLoader(new SecretFiles(secrets), TunnelConfigLoader.Admission.ADMITTED).load(file))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("spec.forwards[0]")
                .hasMessageContaining("target is required for Local and Remote forwards");
    }

    @Test
    void crossFieldProblemsAreNamedInTheCrdsWords() throws Exception {
        assertThatThrownBy(() -> TunnelConfigLoader.load(yaml(SSH + "  forwards: [{name: p, type: Local, port: 0, target: {host: a, port: 1}}]\n"),
                secrets)).hasMessage("spec.forwards[0].port: Invalid value: port 0 (let the server allocate) is only allowed for Remote"
                        + " forwards; Local and Dynamic need a port 1-65535");
        assertThatThrownBy(() -> TunnelConfigLoader.load(yaml(SSH + "  forwards: [{name: p, type: Dynamic, port: 1, target: {host: a, port: 1}}]\n"),
                secrets)).hasMessageStartingWith("spec.forwards[0].target: Forbidden: target must not be set for Dynamic forwards");
        assertThatThrownBy(() -> TunnelConfigLoader.load(yaml(SSH + """
                  forwards:
                    - {name: a, type: Dynamic, port: 1080}
                    - {name: b, type: Local, port: 1080, target: {host: x, port: 1}}
                """), secrets)).hasMessage("spec.forwards: Duplicate value: two Local/Dynamic forwards cannot listen on the same port");
    }

    @Test
    void refusesWhatKubectlApplyRefuses() throws Exception {
        // Rules the loader never wrote itself: the forward name's pattern and the schema's maximum, both
        // reported at once as the API server would, then (on an object of the right shape) a CEL rule.
        assertThatThrownBy(() -> TunnelConfigLoader.load(yaml("""
                spec:
                  ssh:
                    host: bastion.example.com
                    user: tunnel
                    connectTimeoutSeconds: 301
                    privateKeySecretRef: {name: bastion-key, key: id_ed25519}
                  forwards: [{name: Postgres, type: Dynamic, port: 1080}]
                """), secrets))
                .hasMessageContaining("spec.ssh.connectTimeoutSeconds: Invalid value: 301:")
                .hasMessageContaining("spec.forwards[0].name: Invalid value: \"Postgres\":");
        SshTunnel userAtHost = TunnelFixtures.to("apps", "warehouse", "admin@bastion.example.com", null, "tunnel",
                List.of(TunnelFixtures.dynamic("socks", 1080)));
        userAtHost.getSpec().getSsh().setPrivateKeySecretRef(TunnelFixtures.keyRef("bastion-key", "id_ed25519", null));
        Path file = dir.resolve("tunnel.yaml");
        Files.writeString(file, TunnelFixtures.yaml(userAtHost));
        assertThatThrownBy(() -> TunnelConfigLoader.load(file, secrets))
                .hasMessageStartingWith("spec.ssh.host: Invalid value: host must be a host name or IP address");
    }

    @Test
    void notAnSshTunnel() throws Exception {
        Path file = dir.resolve("cm.yaml");
        Files.writeString(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
        assertThatThrownBy(() -> TunnelConfigLoader.load(file, secrets)).hasMessageContaining("expected apiVersion sshtunnel.dev/v1alpha1");
    }

    @Test
    void proxyWithItsCredentialsAndDynamicProtocols() throws Exception {
        Files.createDirectories(secrets.resolve("proxy-auth"));
        Files.writeString(secrets.resolve("proxy-auth/user"), "tunnel\n");
        Files.writeString(secrets.resolve("proxy-auth/password"), "proxy-loader-pass\n");
        String forwards = """
                    proxy:
                      type: SOCKS5
                      host: proxy.corp.example
                      port: 1080
                      credentialsSecretRef: {name: proxy-auth, usernameKey: user, passwordKey: password}
                  forwards:
                    - {name: web, type: Dynamic, port: 1080, protocols: [SOCKS, HTTPConnect]}
                    - {name: socks, type: Dynamic, port: 1081}
                """;
        TunnelConfig config = TunnelConfigLoader.load(yaml(SSH + forwards), secrets);
        assertThat(config.proxy().type()).isEqualTo(dev.sshtunnel.api.v1alpha1.ProxyType.SOCKS5);
        assertThat(config.proxy().address()).isEqualTo("proxy.corp.example:1080");
        assertThat(config.proxy().password().text()).isEqualTo("proxy-loader-pass");
        assertThat(config.proxy().toString()).doesNotContain("proxy-loader-pass").contains("Secret \"proxy-auth\" key \"user\"");
        assertThat(config.forwards().get(0).protocols()).containsExactlyInAnyOrder(dev.sshtunnel.api.v1alpha1.ForwardProtocol.SOCKS,
                dev.sshtunnel.api.v1alpha1.ForwardProtocol.HTTPConnect);
        assertThat(config.forwards().get(1).protocols()).containsExactly(dev.sshtunnel.api.v1alpha1.ForwardProtocol.SOCKS);

        // A rotated password is the same session; another proxy is a new one.
        Files.writeString(secrets.resolve("proxy-auth/password"), "rotated-proxy-pass\n");
        TunnelConfig rotated = TunnelConfigLoader.load(yaml(SSH + forwards), secrets);
        assertThat(rotated.sessionSettings()).isEqualTo(config.sessionSettings());
        TunnelConfig moved = TunnelConfigLoader.load(yaml(SSH + forwards.replace("port: 1080\n      cred", "port: 1090\n      cred")), secrets);
        assertThat(moved.sessionSettings()).isNotEqualTo(config.sessionSettings());

        Files.delete(secrets.resolve("proxy-auth/user"));
        assertThatThrownBy(() -> TunnelConfigLoader.load(yaml(SSH + forwards), secrets))
                .hasMessageStartingWith("spec.ssh.proxy.credentialsSecretRef.usernameKey: file ").hasMessageContaining("not found");
    }
}
