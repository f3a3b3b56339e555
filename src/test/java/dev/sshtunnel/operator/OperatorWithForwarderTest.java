package dev.sshtunnel.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.KubectlFront;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * End to end without a cluster: the operator on the mock API server, a real forwarder started from
 * the objects it created (see {@link KubeletStandIn}), a real sshd. The SshTunnel's status must
 * follow what happens to the SSH server.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class OperatorWithForwarderTest {

    @Inject
    KubernetesClient client;

    /** kubectl get -o custom-columns built from the CRD's own printer columns (the mock cannot render tables). */
    private static String printerColumns() throws Exception {
        var crd = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                Files.readString(Path.of("crds/sshtunnels.sshtunnel.dev-v1.yml")),
                io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class);
        StringBuilder columns = new StringBuilder("NAME:.metadata.name");
        for (var column : crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns()) {
            if (column.getPriority() == null || column.getPriority() == 0) {
                columns.append(',').append(column.getName().toUpperCase()).append(':').append(column.getJsonPath());
            }
        }
        return columns.toString();
    }

    @Test
    void statusFollowsTheSessionThroughAnOutage() throws Exception {
        String ns = "e2e";
        Path dir = Files.createTempDirectory("e2e"); // @TempDir is not injected into @QuarkusTest instances
        Path key = Keys.generate(dir, "id_ed25519", "ed25519", false, null);
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)));
                EchoServer echo = new EchoServer(EchoServer.Mode.ECHO)) {
            int port = Ports.free();
            Secret secret = new SecretBuilder().withNewMetadata().withName("bastion-key").withNamespace(ns).endMetadata()
                    .withData(Map.of("id_ed25519", Base64.getEncoder().encodeToString(Files.readAllBytes(key)))).build();
            client.resource(secret).create();
            SshTunnel tunnel = TunnelFixtures.tunnel(ns, "db", TunnelFixtures.local("postgres", port, "127.0.0.1", echo.port()));
            tunnel.getSpec().getSsh().setHost("127.0.0.1");
            tunnel.getSpec().getSsh().setPort(sshd.port());
            tunnel.getSpec().getSsh().setUser(sshd.user());
            tunnel.getSpec().getSsh().getHostKey().setKnownHosts(sshd.knownHostsLine());
            var keepAlive = new dev.sshtunnel.api.v1alpha1.KeepAliveSpec();
            keepAlive.setIntervalSeconds(1);
            keepAlive.setMaxMissed(2);
            tunnel.getSpec().getSsh().setKeepAlive(keepAlive);
            var reconnect = new dev.sshtunnel.api.v1alpha1.ReconnectSpec();
            reconnect.setMinBackoffSeconds(1);
            reconnect.setMaxBackoffSeconds(2);
            tunnel.getSpec().getSsh().setReconnect(reconnect);
            // Applied the way users do: the real kubectl, through the discovery front of the mock.
            Path manifest = dir.resolve("tunnel.yaml");
            Files.writeString(manifest, io.fabric8.kubernetes.client.utils.Serialization.asYaml(tunnel));
            KubectlFront applyFront = new KubectlFront(client.getConfiguration().getMasterUrl());
            try (applyFront) {
                assertThat(applyFront.kubectl(applyFront.writeKubeconfig(dir.resolve("kubeconfig-apply")),
                        "apply", "--validate=false", "-f", manifest.toString())).contains("sshtunnel.sshtunnel.dev/db created");
            }

            Deployment deployment = await().atMost(Duration.ofSeconds(20))
                    .until(() -> client.apps().deployments().inNamespace(ns).withName("db").get(), d -> d != null);
            try (KubeletStandIn pod = KubeletStandIn.run(client, deployment, "127.0.1.7", dir.resolve("pod"));
                    KubectlFront front = new KubectlFront(client.getConfiguration().getMasterUrl())) {
                Path kubeconfig = front.writeKubeconfig(dir.resolve("kubeconfig"));
                SshTunnel ready = awaitReady(ns, "True", "Connected");
                assertThat(ready.getStatus().getSession().getState()).isEqualTo(SessionState.Connected);
                assertThat(ready.getStatus().getSession().getServerVersion()).startsWith("SSH-2.0-OpenSSH");
                assertThat(ready.getStatus().getSession().getHostKeyFingerprint()).isEqualTo(sshd.hostKeyFingerprint());
                assertThat(ready.getStatus().getForwards()).singleElement()
                        .satisfies(f -> assertThat(f.getState()).isEqualTo(ForwardState.Active));
                assertThat(ready.getStatus().getReadyForwards()).isEqualTo("1/1");
                String row = front.kubectl(kubeconfig, "get", "sshtunnels", "-n", ns, "-o", "custom-columns=" + printerColumns());
                assertThat(row.lines().toList()).hasSize(2);
                assertThat(row.lines().toList().get(0).split("\\s+")).containsExactly("NAME", "HOST", "FORWARDS", "CHANNELS", "STATUS", "AGE");
                assertThat(row.lines().toList().get(1).split("\\s+")).startsWith("db", "127.0.0.1", "1/1", "0", "Connected");

                try (Socket socket = new Socket("127.0.0.1", port)) {
                    socket.getOutputStream().write("e2e".getBytes(StandardCharsets.US_ASCII));
                    assertThat(socket.getInputStream().readNBytes(3)).isEqualTo("e2e".getBytes(StandardCharsets.US_ASCII));
                }
                await().atMost(Duration.ofSeconds(15)).until(() -> get(ns).getStatus().getForwards().get(0).getTotalChannels() >= 1);

                sshd.stop();
                SshTunnel down = awaitReady(ns, "False", "Unreachable");
                // Lost first, then each reconnect attempt is refused until sshd is back.
                assertThat(ready(down).getMessage()).containsAnyOf("session lost", "Connection refused");
                assertThat(down.getStatus().getReadyForwards()).isEqualTo("0/1");
                assertThat(front.kubectl(kubeconfig, "get", "sst", "db", "-n", ns, "-o",
                        "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}")).isEqualTo("Unreachable");

                sshd.restart();
                SshTunnel back = awaitReady(ns, "True", "Connected");
                assertThat(back.getStatus().getSession().getReconnects()).isEqualTo(1L);
            }
        }
    }

    private SshTunnel awaitReady(String ns, String status, String reason) {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> get(ns),
                t -> t.getStatus() != null && t.getStatus().getConditions().stream()
                        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals(status) && c.getReason().equals(reason)));
    }

    private SshTunnel get(String ns) {
        return client.resources(SshTunnel.class).inNamespace(ns).withName("db").get();
    }

    private static Condition ready(SshTunnel tunnel) {
        return tunnel.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow();
    }
}
