package dev.sshtunnel.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.dependent.TunnelDocument;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.SandboxExtension;
import dev.sshtunnel.testing.SandboxProcess;
import dev.sshtunnel.testing.TunnelFixtures;

/**
 * AcceptNew pins only a key the pods of the tunnel's own ReplicaSet saw. A pod that anyone allowed to
 * create pods in the namespace could make — the tunnel's labels, the operator's image, its own tunnel
 * document pointing at another sshd with another host key — connects while the tunnel's real pod
 * cannot yet reach its server: its key is not pinned. Once the real server is up, its key is, and the
 * impostor's report (of a generation the tunnel never had) does not hold the rollout's observedGeneration back.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HostKeyAgreementIT {

    private static final String ACCEPTED = "jsonpath={.status.acceptedHostKeyFingerprint}";

    @RegisterExtension
    final SandboxExtension sandboxes = new SandboxExtension();

    @Test
    void aLabelledPodOutsideTheReplicaSetHasNoSayInTheKeyPinned() throws Exception {
        Path key = sandboxes.key();
        int serverPort = Ports.free();
        OpenSshServer impostor = sandboxes.sshd("impostor", key);
        EchoServer echo = sandboxes.echo();
        SandboxProcess sandbox = sandboxes.start("sandbox");
        Kubectl kubectl = sandbox.kubectl();
        sandbox.keySecret(key);
        // The tunnel's server is not up yet: its own pod keeps retrying.
        assertThat(kubectl.attempt(manifest(serverPort, impostor.user(), echo.port()), "apply", "-f", "-").out())
                .contains("sshtunnel.sshtunnel.dev/tofu created");
        // kubectl fails while the object does not exist yet.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> kubectl.run("get", "configmap", "tofu-tunnel", "-o",
                "jsonpath={.data.tunnel\\.yaml}"), document -> document.contains("port: " + serverPort));
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> kubectl.run("get", "deployment", "tofu", "-o",
                "jsonpath={.spec.template}"), template -> !template.isBlank());

        // The impostor: the Deployment's own pod template, its own document, to the other server.
        ObjectMapper json = new ObjectMapper();
        String document = kubectl.run("get", "configmap", "tofu-tunnel", "-o", "jsonpath={.data.tunnel\\.yaml}");
        assertThat(document).contains("generation: 1");
        // Another server, and a generation that is not the tunnel's: a report that would hold observedGeneration back.
        SshTunnel impostorDocument = TunnelDocument.parse(document);
        impostorDocument.getSpec().getSsh().setPort(impostor.port());
        impostorDocument.getMetadata().setGeneration(7L);
        kubectl.run("create", "configmap", "impostor-tunnel", "--from-literal=tunnel.yaml=" + TunnelFixtures.yaml(impostorDocument));
        ObjectNode template = (ObjectNode) json.readTree(kubectl.run("get", "deployment", "tofu", "-o", "jsonpath={.spec.template}"));
        ObjectNode pod = json.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode metadata = pod.putObject("metadata").put("name", "tofu-impostor");
        metadata.set("labels", template.path("metadata").path("labels"));
        pod.set("spec", template.path("spec"));
        ((ObjectNode) pod.get("spec")).withArray("volumes").forEach(volume -> {
            if (volume.has("configMap")) {
                ((ObjectNode) volume.get("configMap")).put("name", "impostor-tunnel");
            }
        });
        assertThat(kubectl.attempt(json.writeValueAsString(pod), "apply", "-f", "-").out()).contains("pod/tofu-impostor created");
        String impostorIp = await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> kubectl.run("get", "pod", "tofu-impostor",
                "-o", "jsonpath={.status.podIP}"), ip -> !ip.isBlank());
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(
                URI.create("http://" + impostorIp + ":8081/status")).build(), HttpResponse.BodyHandlers.ofString()).body(),
                body -> body.contains("\"Connected\"") && body.contains(unpadded(impostor.hostKeyFingerprint())));

        // The operator polls the impostor's report every period; a few of them pass without a pin.
        Thread.sleep(8000);
        assertThat(kubectl.run("get", "sshtunnel", "tofu", "-o", ACCEPTED))
                .as("the key only a pod outside the tunnel's ReplicaSet saw is not pinned").isEmpty();

        // The real server comes up: the tunnel's own pod connects, and its key is pinned.
        try (OpenSshServer server = OpenSshServer.startOnPort(sandboxes.dir().resolve("sshd"), serverPort, List.of(Keys.publicKey(key)))) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> unpadded(kubectl.run("get", "sshtunnel", "tofu", "-o", ACCEPTED)),
                            unpadded(server.hostKeyFingerprint())::equals);
            assertThat(kubectl.run("wait", "--for=condition=Ready", "sshtunnel/tofu", "--timeout=60s")).contains("condition met");
            // The impostor still reports, generation 7: it is no forwarder of the tunnel, so the rollout is done.
            await().atMost(Duration.ofSeconds(20)).until(() -> kubectl.run("get", "sshtunnel", "tofu", "-o",
                    "jsonpath={.status.observedGeneration}"), "1"::equals);
        }
    }

    private static String unpadded(String fingerprint) {
        return fingerprint.replaceAll("=+$", "");
    }

    /** Tunnel tofu to 127.0.0.1:SERVER_PORT with AcceptNew, retrying every second or two while nothing answers there. */
    private static String manifest(int serverPort, String user, int echoPort) {
        SshTunnel tofu = TunnelFixtures.to(null, "tofu", "127.0.0.1", serverPort, user,
                List.of(TunnelFixtures.local("echo", Ports.free(), "127.0.0.1", echoPort)));
        SshSpec ssh = tofu.getSpec().getSsh();
        ssh.setPrivateKeySecretRef(TunnelFixtures.keyRef(TunnelFixtures.KEY_SECRET, TunnelFixtures.KEY, null));
        ssh.setHostKey(TunnelFixtures.hostKey(HostKeyPolicy.AcceptNew, null));
        TunnelFixtures.fastReconnect(ssh);
        return TunnelFixtures.yaml(tofu);
    }
}
