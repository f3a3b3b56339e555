package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import com.sun.net.httpserver.HttpServer;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * `sandbox --demo`: what a newcomer sees first. A real OpenSSH sshd on loopback stands for the bastion, a
 * small web server behind it for the service the tunnel reaches, and one SshTunnel with a Local forward
 * to it — applied as a user would, with the key in a Secret and the host key pinned. Once the tunnel is
 * Ready, one request goes through the relayed Service and the curl that repeats it is printed.
 */
final class SandboxDemo {

    static final String NAMESPACE = "default";
    static final String TUNNEL = "demo";
    static final String SECRET = "demo-key";
    private static final Duration READY = Duration.ofSeconds(90);
    private static final ResourceDefinitionContext SSH_TUNNELS = new ResourceDefinitionContext.Builder()
            .withGroup("sshtunnel.dev").withVersion("v1alpha1").withPlural("sshtunnels").withKind("SshTunnel")
            .withNamespaced(true).build();

    private final Sandbox sandbox;
    private final Path dir;
    private final Consumer<String> say;

    SandboxDemo(Sandbox sandbox, Path dir, Consumer<String> say) {
        this.sandbox = sandbox;
        this.dir = dir;
        this.say = say;
    }

    /** Starts the demo's servers (they end with the sandbox) and applies the tunnel; returns once traffic went through. */
    void run() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        HttpServer web = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        web.createContext("/", exchange -> {
            byte[] body = "hello from behind the bastion\n".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        web.start();
        sandbox.onClose(() -> web.stop(0));

        keygen("host");
        keygen("id");
        int sshPort = Sandbox.freeLoopbackPort();
        Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                "Port " + sshPort, "ListenAddress 127.0.0.1", "HostKey " + dir.resolve("host"),
                "PidFile " + dir.resolve("sshd.pid"), "AuthorizedKeysFile " + dir.resolve("id.pub"), "StrictModes no",
                "UsePAM no", "PermitRootLogin prohibit-password", "PasswordAuthentication no", "AllowTcpForwarding yes",
                "PermitOpen 127.0.0.1:" + web.getAddress().getPort(), "") );
        try {
            Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege-separation directory: it will not start without
        } catch (IOException e) {
            say.accept("demo: cannot create /run/sshd (" + e.getMessage() + "); sshd may refuse to start");
        }
        ChildProcess sshd = ChildProcess.start("demo-sshd", List.of("/usr/sbin/sshd", "-D", "-e", "-f",
                dir.resolve("sshd_config").toString()), dir.resolve("sshd.log"));
        sandbox.onClose(() -> {
            sshd.terminate();
            try {
                sshd.awaitExit(Instant.now().plusSeconds(3));
                sshd.kill(); // and its watchdog's sleeping shell
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        awaitListening(sshPort);
        say.accept("demo: OpenSSH sshd (the bastion) on 127.0.0.1:" + sshPort + ", a web server behind it on 127.0.0.1:"
                + web.getAddress().getPort());

        KubernetesClient admin = sandbox.admin();
        admin.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder().withNewMetadata().withName(SECRET).endMetadata()
                .addToStringData("id_ed25519", Files.readString(dir.resolve("id"))).build()).forceConflicts().serverSideApply();
        String knownHosts = "[127.0.0.1]:" + sshPort + " " + Files.readString(dir.resolve("host.pub")).trim();
        int localPort = Sandbox.freeLoopbackPort();
        String tunnel = """
                apiVersion: sshtunnel.dev/v1alpha1
                kind: SshTunnel
                metadata: {name: %s, namespace: %s}
                spec:
                  ssh:
                    host: 127.0.0.1
                    port: %d
                    user: %s
                    privateKeySecretRef: {name: %s, key: id_ed25519}
                    hostKey: {knownHosts: "%s"}
                  forwards:
                    - {name: web, type: Local, port: %d, target: {host: 127.0.0.1, port: %d}}
                """.formatted(TUNNEL, NAMESPACE, sshPort, System.getProperty("user.name"), SECRET, knownHosts, localPort,
                web.getAddress().getPort());
        Files.writeString(dir.resolve("tunnel.yaml"), tunnel);
        admin.resource(admin.getKubernetesSerialization().unmarshal(tunnel, GenericKubernetesResource.class))
                .forceConflicts().serverSideApply();
        say.accept("demo: applied " + dir.resolve("tunnel.yaml") + " (SshTunnel " + NAMESPACE + "/" + TUNNEL + ")");

        Instant deadline = Instant.now().plus(READY);
        Optional<InetSocketAddress> relay = Optional.empty();
        while (Instant.now().isBefore(deadline) && (relay.isEmpty() || !ready(admin))) {
            Thread.sleep(250);
            relay = sandbox.serviceRelay(NAMESPACE, TUNNEL, "web");
        }
        if (relay.isEmpty() || !ready(admin)) {
            say.accept("demo: the tunnel is not Ready after " + READY.toSeconds() + " s: kubectl describe sshtunnel " + TUNNEL);
            return;
        }
        String answer = get(relay.get());
        say.accept("demo: tunnel Ready; GET through it answered: " + answer.trim());
        say.accept("demo: try  curl http://" + relay.get().getHostString() + ":" + relay.get().getPort()
                + "/  and  kubectl get sshtunnels -o wide");
    }

    private static boolean ready(KubernetesClient admin) {
        GenericKubernetesResource tunnel = admin.genericKubernetesResources(SSH_TUNNELS).inNamespace(NAMESPACE).withName(TUNNEL).get();
        if (tunnel == null || !(tunnel.getAdditionalProperties().get("status") instanceof Map<?, ?> status)
                || !(status.get("conditions") instanceof List<?> conditions)) {
            return false;
        }
        return conditions.stream().anyMatch(c -> c instanceof Map<?, ?> m && "Ready".equals(m.get("type")) && "True".equals(m.get("status")));
    }

    /** One plain HTTP/1.0 GET; the body is all the demo prints. */
    private static String get(InetSocketAddress relay) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(relay, 2000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET / HTTP/1.0\r\nHost: demo\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String response = new String(in.readNBytes(4096), StandardCharsets.US_ASCII);
            int body = response.indexOf("\r\n\r\n");
            return body < 0 ? response : response.substring(body + 4);
        }
    }

    private void keygen(String name) throws IOException, InterruptedException {
        Files.deleteIfExists(dir.resolve(name)); // a work dir used before: ssh-keygen would ask before overwriting
        Files.deleteIfExists(dir.resolve(name + ".pub"));
        Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sandbox-demo", "-f",
                dir.resolve(name).toString()).redirectErrorStream(true).redirectOutput(dir.resolve("ssh-keygen.log").toFile()).start();
        if (keygen.waitFor() != 0) {
            throw new IOException("ssh-keygen failed: " + Files.readString(dir.resolve("ssh-keygen.log")));
        }
    }

    private static void awaitListening(int port) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plusSeconds(10);
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return;
            } catch (IOException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IOException("the demo's sshd did not listen on 127.0.0.1:" + port + " (see its log)", e);
                }
                Thread.sleep(100);
            }
        }
    }
}
