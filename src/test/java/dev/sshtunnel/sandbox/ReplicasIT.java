package dev.sshtunnel.sandbox;

import static dev.sshtunnel.testing.TunnelFixtures.localTunnel;
import static dev.sshtunnel.testing.TunnelFixtures.remote;
import static dev.sshtunnel.testing.TunnelFixtures.through;
import static dev.sshtunnel.testing.TunnelFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.PackagedJar;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.SandboxExtension;
import dev.sshtunnel.testing.SandboxProcess;

/**
 * Two forwarder pods behind one Service, on the real control plane with the real kubectl: a client
 * opens a new connection through the Service every 50 ms while one pod is deleted (and later while
 * the tunnel goes back to one pod, which rolls the pods), and not one connection fails: the dying
 * pod gets no new connections once it is terminating and drains the open ones; the other serves.
 * The PodDisruptionBudget exists with two pods and goes with one.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReplicasIT {

    private static final String INSTANCE = "app.kubernetes.io/instance=db";

    @RegisterExtension
    final SandboxExtension sandboxes = new SandboxExtension();

    /** A new connection every 50 ms through the Service, each echoing a few bytes; failures kept with their time. */
    private static final class Client implements AutoCloseable {
        final int port;
        final AtomicInteger attempts = new AtomicInteger();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        Client(int port) {
            this.port = port;
            thread = new Thread(this::loop, "replicas-it-client");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            while (running.get()) {
                int n = attempts.incrementAndGet();
                byte[] request = ("hello " + n + "\n").getBytes(StandardCharsets.US_ASCII);
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                    socket.setSoTimeout(5000);
                    socket.getOutputStream().write(request);
                    byte[] reply = socket.getInputStream().readNBytes(request.length);
                    if (!java.util.Arrays.equals(reply, request)) {
                        failures.add(Instant.now() + " #" + n + ": got " + new String(reply, StandardCharsets.US_ASCII).trim());
                    }
                } catch (IOException e) {
                    failures.add(Instant.now() + " #" + n + ": " + e);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }

    @Test
    void deletingOneOfTwoPodsFailsNoConnectionAndTheBudgetFollowsReplicas() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        SandboxProcess sandbox = sandboxes.start("sandbox");
        Kubectl kubectl = sandbox.kubectl();
        sandbox.keySecret(key);
        int port = Ports.free();
        SshTunnel db = localTunnel("db", sshd, port, echo.port());
        db.getSpec().setReplicas(2);
        String tunnel = yaml(db);
        assertThat(kubectl.attempt(tunnel, "apply", "-f", "-").out()).contains("sshtunnel.sshtunnel.dev/db created");
        assertThat(kubectl.run("wait", "--for=condition=Ready", "sshtunnel/db", "--timeout=90s")).contains("condition met");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "deployment", "db", "-o", "jsonpath={.status.readyReplicas}"), "2"::equals);
        assertThat(kubectl.run("get", "pdb", "db", "-o", "jsonpath={.spec.maxUnavailable}")).isEqualTo("1");
        assertThat(kubectl.run("get", "pdb", "db", "-o", "jsonpath={.metadata.ownerReferences[0].kind}")).isEqualTo("SshTunnel");

        int relay = relayPort(sandbox, port);
        List<String> pods = List.of(kubectl.run("get", "pods", "-l", INSTANCE, "-o", "jsonpath={.items[*].metadata.name}")
                .trim().split(" "));
        assertThat(pods).hasSize(2);
        try (Client client = new Client(relay)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> client.attempts.get() >= 20);
            assertThat(client.failures).as("before any deletion").isEmpty();

            int before = client.attempts.get();
            assertThat(kubectl.run("delete", "pod", pods.get(0), "--wait=true")).contains("deleted");
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> readyPods(kubectl).size() == 2 && !readyPods(kubectl).contains(pods.get(0)));
            Thread.sleep(2000);
            int during = client.attempts.get() - before;
            assertThat(during).as("connections tried while a pod went and came").isGreaterThan(40);
            assertThat(client.failures).as("new connections that failed around the deletion of %s", pods.get(0)).isEmpty();

            // Back to one pod: the budget goes; the pods roll (the spec changed) without a failed connection either.
            before = client.attempts.get();
            kubectl.run("patch", "sshtunnel", "db", "--type=merge", "-p", "{\"spec\":{\"replicas\":1}}");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> kubectl.attempt("", "get", "pdb", "db").exitCode() != 0);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> kubectl.run("get", "pods", "-l", INSTANCE, "-o", "jsonpath={.items[*].metadata.name}")
                            .trim().split(" ").length == 1 && readyPods(kubectl).size() == 1);
            Thread.sleep(2000);
            assertThat(client.attempts.get() - before).isGreaterThan(20);
            assertThat(client.failures).as("new connections that failed while scaling to one pod").isEmpty();
        }
        assertThat(kubectl.attempt("", "get", "pdb", "db").err()).contains("NotFound");
        Files.writeString(PackagedJar.IT_LOGS.resolve("ReplicasIT-result.txt"), "ok\n");
    }

    @Test
    void aRemoteForwardWithTwoPodsIsServedByOneAndTakenOverByTheOtherWhenItsPodIsDeleted() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        SandboxProcess sandbox = sandboxes.start("remote-sandbox");
        Kubectl kubectl = sandbox.kubectl();
        sandbox.keySecret(key);
        int remotePort = Ports.free();
        String tunnel = yaml(twoPodsRemote("hooks", sshd, remotePort, echo.port()));
        assertThat(kubectl.attempt(tunnel, "apply", "-f", "-").out()).contains("sshtunnel.sshtunnel.dev/hooks created");
        // Port 0 with two pods is refused by the CRD: each session would get a port of its own.
        Kubectl.Result refused = kubectl.attempt(yaml(twoPodsRemote("zero", sshd, 0, echo.port())), "apply", "-f", "-");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.err()).contains("spec.replicas").contains("port 0");

        assertThat(kubectl.run("wait", "--for=condition=Ready", "sshtunnel/hooks", "--timeout=90s")).contains("condition met");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "deployment", "hooks", "-o", "jsonpath={.status.readyReplicas}"), "2"::equals);
        String serving = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "sshtunnel", "hooks", "-o", "jsonpath={.status.forwards[0].servingPod}"),
                        name -> !name.isBlank());
        List<String> pods = List.of(kubectl.run("get", "pods", "-l", "app.kubernetes.io/instance=hooks", "-o",
                "jsonpath={.items[*].metadata.name}").trim().split(" "));
        assertThat(pods).hasSize(2).contains(serving);
        // kubectl get -o wide names the pod that serves the Remote forward.
        List<String> wide = kubectl.run("get", "sshtunnels", "-o", "wide").lines().toList();
        assertThat(wide.get(0)).contains("SERVING");
        assertThat(wide.stream().filter(line -> line.startsWith("hooks ")).findFirst().orElseThrow()).contains(serving);
        assertThat(kubectl.run("get", "sshtunnel", "hooks", "-o", "jsonpath={.status.forwards[0].state}")).isEqualTo("Active");
        // The first channel through a fresh session may take longer than the one-second reads below on a busy machine.
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> echoesQuietly(remotePort));

        kubectl.run("delete", "pod", serving, "--wait=false");
        long deleted = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> !echoesQuietly(remotePort));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> echoesQuietly(remotePort));
        long gap = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - deleted);
        // Whichever session asks first once the port is free serves: the standby, or the deleted pod's replacement.
        String next = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(
                () -> kubectl.run("get", "sshtunnel", "hooks", "-o", "jsonpath={.status.forwards[0].servingPod}"),
                name -> !name.isBlank() && !name.equals(serving));
        assertThat(kubectl.run("get", "pods", "-l", "app.kubernetes.io/instance=hooks", "-o",
                "jsonpath={.items[*].metadata.name}")).contains(next);
        assertThat(kubectl.run("wait", "--for=condition=Ready", "sshtunnel/hooks", "--timeout=60s")).contains("condition met");
        Files.writeString(PackagedJar.IT_LOGS.resolve("ReplicasIT-remote-result.txt"),
                "kubectl delete pod (serving) until the remote port echoed through another pod: " + gap + " ms\n");
        assertThat(gap).as("the other pod binds the port within its one-second retry of the cancel").isLessThan(3_000);
    }

    /**
     * Two pods that are Running but never Ready (the bastion accepts TCP and never answers) must not stall
     * `kubectl drain`: under the default IfHealthyBudget every eviction of them got 429 until the drain timed out.
     */
    @Test
    void podsThatNeverBecomeReadyDoNotBlockANodeDrain() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        sshd.freeze();
        SandboxProcess sandbox = sandboxes.start("drain-sandbox");
        Kubectl kubectl = sandbox.kubectl();
        sandbox.keySecret(key);
        SshTunnel stuck = localTunnel("stuck", sshd, Ports.free(), echo.port());
        stuck.getSpec().setReplicas(2);
        String tunnel = yaml(stuck);
        assertThat(kubectl.attempt(tunnel, "apply", "-f", "-").out()).contains("sshtunnel.sshtunnel.dev/stuck created");
        String selector = "app.kubernetes.io/instance=stuck";
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> kubectl.run("get", "pods",
                "-l", selector, "-o", "jsonpath={.items[*].status.phase}").trim(), "Running Running"::equals);
        assertThat(kubectl.run("get", "pods", "-l", selector, "-o",
                "jsonpath={.items[*].status.conditions[?(@.type==\"Ready\")].status}").trim()).isEqualTo("False False");
        assertThat(kubectl.run("get", "pdb", "stuck", "-o", "jsonpath={.spec.unhealthyPodEvictionPolicy}")).isEqualTo("AlwaysAllow");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> kubectl.run("get", "pdb", "stuck",
                "-o", "jsonpath={.status.expectedPods}"), "2"::equals);

        String node = kubectl.run("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}").trim();
        Kubectl.Result drain = kubectl.attempt("", "drain", node, "--pod-selector=" + selector,
                "--delete-emptydir-data", "--timeout=60s");
        assertThat(drain.exitCode()).as("kubectl drain: %s %s", drain.out(), drain.err()).isZero();
        assertThat(drain.out()).contains("evicted").contains("drained");
    }

    /** Two pods of a tunnel with one Remote forward "back": the server's 127.0.0.1:PORT to 127.0.0.1:ECHO_PORT. */
    private static SshTunnel twoPodsRemote(String name, OpenSshServer sshd, int port, int echoPort) {
        SshTunnel tunnel = through(sshd, name, remote("back", "127.0.0.1", port, "127.0.0.1", echoPort));
        tunnel.getSpec().setReplicas(2);
        return tunnel;
    }

    private static boolean echoesQuietly(int port) {
        try {
            return echoes(port);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean echoes(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(1000);
            byte[] request = "remote\n".getBytes(StandardCharsets.US_ASCII);
            socket.getOutputStream().write(request);
            return java.util.Arrays.equals(socket.getInputStream().readNBytes(request.length), request);
        }
    }

    private static List<String> readyPods(Kubectl kubectl) {
        String out = kubectl.run("get", "pods", "-l", INSTANCE, "-o",
                "jsonpath={range .items[*]}{.metadata.name} {.metadata.deletionTimestamp} {.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}");
        List<String> ready = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            // name, (deletionTimestamp,) Ready status: a terminating pod has three fields
            if (fields.length == 2 && fields[1].equals("True")) {
                ready.add(fields[0]);
            }
        }
        return ready;
    }

    /** Where the sandbox relays the Service port (its own number when free; the log says). */
    private static int relayPort(SandboxProcess sandbox, int port) {
        Pattern line = Pattern.compile("service default/db port echo " + port + " -> 127\\.0\\.0\\.1:(\\d+)");
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            Matcher matcher = line.matcher(sandbox.read());
            return matcher.find() ? Integer.parseInt(matcher.group(1)) : null;
        }, p -> p != null);
    }
}
