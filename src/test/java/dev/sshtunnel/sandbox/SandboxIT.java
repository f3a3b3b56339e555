package dev.sshtunnel.sandbox;

import static dev.sshtunnel.testing.TunnelFixtures.dynamic;
import static dev.sshtunnel.testing.TunnelFixtures.local;
import static dev.sshtunnel.testing.TunnelFixtures.localTunnel;
import static dev.sshtunnel.testing.TunnelFixtures.remote;
import static dev.sshtunnel.testing.TunnelFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sshtunnel.api.v1alpha1.ForwarderSpec;
import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.PackagedJar;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.SandboxExtension;
import dev.sshtunnel.testing.SandboxProcess;
import dev.sshtunnel.testing.Socks5;
import dev.sshtunnel.testing.TunnelFixtures;

/**
 * What a user sees, end to end, with no cluster: the packaged `sandbox` command, the real kubectl,
 * a real sshd on loopback, real traffic through a Local, a Dynamic and a Remote forward.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SandboxIT {

    private static final Path IT_LOGS = PackagedJar.IT_LOGS;
    private static final String PASSPHRASE = "sandbox-key-passphrase-4e1d";
    private static final String MANAGED = "app.kubernetes.io/managed-by=sshtunnel-operator";
    private static final String READY_REASON = "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}";

    @RegisterExtension
    final SandboxExtension sandboxes = new SandboxExtension();

    private SandboxProcess sandbox;

    /** Before the extension's teardown stops what is left: how the sandbox itself exits is part of this test. */
    @AfterEach
    void stopSandbox() throws Exception {
        if (sandbox != null && sandbox.process().isAlive()) {
            // SIGTERM: the sandbox returns within 10 s, and only once everything it started has exited, so that
            // one started again at once does not race the old etcd and kube-apiserver for their ports.
            long start = System.nanoTime();
            sandbox.process().destroy();
            assertThat(sandbox.process().waitFor(10, TimeUnit.SECONDS)).as("the sandbox exits within 10 s of SIGTERM").isTrue();
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            Process left = new ProcessBuilder("pgrep", "-a", "-f", sandboxes.dir().resolve("sandbox").toString()).redirectErrorStream(true).start();
            String survivors = new String(left.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(left.waitFor()).as("processes the sandbox left running when it exited after %d ms: %s", took, survivors)
                    .isEqualTo(1);
        }
    }

    /** The sandbox, ready (SandboxProcess checks it runs and printed its KUBECONFIG); kubectl as its cluster admin. */
    private Kubectl startSandbox() throws IOException {
        // The operator in the sandbox allows one image besides its own: one the node agent cannot run.
        sandbox = sandboxes.start("sandbox", java.util.Map.of("SSHTUNNEL_FORWARDER_ALLOWED_IMAGES", "registry.example/allowed/*"));
        return sandbox.kubectl();
    }

    private String log() {
        return sandbox.read();
    }

    /** Tunnel default/db through sshd: a Local, a Dynamic and a Remote forward, a key with a passphrase, fast keepalive and reconnect. */
    private static SshTunnel manifest(OpenSshServer sshd, String knownHosts, int localPort, int socksPort, int remotePort, int echoPort) {
        SshTunnel tunnel = TunnelFixtures.through(sshd, "db", local("echo", localPort, "127.0.0.1", echoPort), dynamic("socks", socksPort),
                remote("back", "127.0.0.1", remotePort, "127.0.0.1", echoPort));
        tunnel.getMetadata().setNamespace("default");
        var ssh = tunnel.getSpec().getSsh();
        ssh.setPrivateKeySecretRef(TunnelFixtures.keyRef(TunnelFixtures.KEY_SECRET, TunnelFixtures.KEY, "passphrase"));
        ssh.setHostKey(TunnelFixtures.hostKey(null, knownHosts));
        TunnelFixtures.fastFaults(ssh);
        return tunnel;
    }

    @Test
    void kubectlSeesTheTunnelThroughOutageHostKeyChangeAndDelete() throws Exception {
        Path key = sandboxes.key(PASSPHRASE);
        Path otherHostKey = Keys.generate(sandboxes.dir(), "other_host", "ed25519", false, null);
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        Kubectl kubectl = startSandbox();
        int localPort = Ports.free();
        int socksPort = Ports.free();
        int remotePort = Ports.free();

        // A manifest the CRD refuses never reaches the operator: kubectl apply fails naming the field.
        Kubectl.Result refused = kubectl.attempt(yaml(manifest(sshd, sshd.knownHostsLine(), 0, socksPort, remotePort, echo.port())),
                "apply", "-f", "-");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.err()).contains("The SshTunnel \"db\" is invalid").contains("spec.forwards[0].port");

        String secret = kubectl.run("create", "secret", "generic", "bastion-key", "--from-file=id_ed25519=" + key,
                "--from-literal=passphrase=" + PASSPHRASE, "--dry-run=client", "-o", "yaml");
        assertThat(kubectl.attempt(secret, "apply", "-f", "-").out()).contains("secret/bastion-key created");
        String wrong = kubectl.run("create", "secret", "generic", "locked-key", "--from-file=id_ed25519=" + key,
                "--from-literal=passphrase=not-the-" + PASSPHRASE, "--dry-run=client", "-o", "yaml");
        assertThat(kubectl.attempt(wrong, "apply", "-f", "-").out()).contains("secret/locked-key created");
        dev.sshtunnel.testing.UsedSecrets.text("not-the-" + PASSPHRASE);
        String good = yaml(manifest(sshd, sshd.knownHostsLine(), localPort, socksPort, remotePort, echo.port()));
        assertThat(kubectl.attempt(good, "apply", "-f", "-").out()).contains("sshtunnel.sshtunnel.dev/db created");

        assertThat(kubectl.run("wait", "--for=condition=Ready", "sshtunnel/db", "--timeout=60s"))
                .as(this::log).contains("condition met");
        assertThat(log()).contains("service default/db port echo " + localPort + " -> 127.0.0.1:" + localPort)
                .contains("service default/db port socks " + socksPort + " -> 127.0.0.1:" + socksPort);

        // A key that cannot be opened is a condition that says what to fix, not a crash-looping pod.
        SshTunnel lockedTunnel = manifest(sshd, sshd.knownHostsLine(), Ports.free(), Ports.free(), Ports.free(), echo.port());
        lockedTunnel.getMetadata().setName("locked");
        lockedTunnel.getSpec().getSsh().getPrivateKeySecretRef().setName("locked-key");
        String locked = yaml(lockedTunnel);
        assertThat(kubectl.attempt(locked, "apply", "-f", "-").out()).contains("sshtunnel.sshtunnel.dev/locked created");
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "sshtunnel", "locked", "-o", READY_REASON), "AuthenticationFailed"::equals);
        assertThat(kubectl.run("get", "sshtunnel", "locked", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].message}"))
                .contains("Secret \"locked-key\" key \"id_ed25519\"").contains("wrong passphrase").contains("fix the Secret");
        assertThat(kubectl.run("get", "pods", "-l", "app.kubernetes.io/instance=locked")).contains("0/1").contains("Running");

        // Flux's health check (kstatus) on the objects the API server holds: the working tunnel is Current,
        // the one with an unusable key Failed (Stalled) rather than forever InProgress.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                dev.sshtunnel.testing.EcosystemTools.kstatus(kubectl.run("get", "sshtunnels", "-o", "json")))
                .hasEntrySatisfying("default/db", verdict -> assertThat(verdict).startsWith("Current"))
                .hasEntrySatisfying("default/locked", verdict -> assertThat(verdict).startsWith("Failed")
                        .contains("fix the Secret")));
        // Argo CD's health check (deploy/argocd/health.lua) on the same real objects.
        assertThat(dev.sshtunnel.testing.ArgoCdHealth.of(kubectl.run("get", "sshtunnel", "db", "-o", "json")))
                .startsWith("Healthy|Connected");
        assertThat(dev.sshtunnel.testing.ArgoCdHealth.of(kubectl.run("get", "sshtunnel", "locked", "-o", "json")))
                .startsWith("Degraded|AuthenticationFailed");

        // An image off the operator's allow-list never gets the tunnel's keys: no pod, and a reason that says so.
        SshTunnel otherTunnel = manifest(sshd, sshd.knownHostsLine(), Ports.free(), Ports.free(), Ports.free(), echo.port());
        otherTunnel.getMetadata().setName("other");
        otherTunnel.getSpec().setForwarder(new ForwarderSpec());
        otherTunnel.getSpec().getForwarder().setImage("registry.example/other:1");
        assertThat(kubectl.attempt(yaml(otherTunnel), "apply", "-f", "-").out())
                .contains("sshtunnel.sshtunnel.dev/other created");
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "sshtunnel", "other", "-o", READY_REASON), "ImageNotAllowed"::equals);
        assertThat(kubectl.run("get", "deployments,pods", "-l", "app.kubernetes.io/instance=other", "-o", "name")).isBlank();

        // A pod whose image the node agent cannot run says so; it never shows as Running.
        otherTunnel.getSpec().getForwarder().setImage("registry.example/allowed/other:1");
        assertThat(kubectl.attempt(yaml(otherTunnel), "apply", "-f", "-")
                .out()).contains("sshtunnel.sshtunnel.dev/other configured");
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).until(() -> kubectl.run("get", "pods", "-l",
                "app.kubernetes.io/instance=other", "-o", "jsonpath={.items[*].status.containerStatuses[*].state.waiting.reason}"),
                "ImageNotRunnableHere"::equals);
        // Status follows within the write interval (the ImageNotAllowed it replaces was written moments ago).
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "sshtunnel", "other", "-o", READY_REASON), "ForwarderUnavailable"::equals);
        kubectl.run("delete", "sshtunnel", "other");

        // Traffic through each forward type.
        try (Socket local = new Socket("127.0.0.1", localPort)) {
            assertThat(roundTrip(local, "through -L")).isEqualTo("through -L");
        }
        try (Socket socks = new Socket("127.0.0.1", socksPort)) {
            assertThat(Socks5.connect(socks, Socks5.IPV4, new byte[] {127, 0, 0, 1}, echo.port())).isZero();
            assertThat(roundTrip(socks, "through -D")).isEqualTo("through -D");
        }
        try (Socket remote = new Socket("127.0.0.1", remotePort)) {
            assertThat(roundTrip(remote, "through -R")).isEqualTo("through -R");
        }

        // kubectl get renders the CRD's printer columns (server-side table, as in a cluster) ...
        List<String> table = kubectl.run("get", "sshtunnels").lines().toList();
        assertThat(table.get(0).split("\\s+")).containsExactly("NAME", "HOST", "FORWARDS", "CHANNELS", "STATUS", "AGE");
        assertThat(row(table, "db")).startsWith("db", "127.0.0.1", "3/3", "0", "Connected");
        assertThat(row(table, "locked")).startsWith("locked", "127.0.0.1", "0/3").contains("AuthenticationFailed");
        // ... and -o custom-columns built from the CRD's own JSONPaths says the same.
        List<String> custom = kubectl.run("get", "sshtunnels", "-o", "custom-columns=" + printerColumns(kubectl)).lines().toList();
        assertThat(row(custom, "db")).startsWith("db", "127.0.0.1", "3/3", "0", "Connected");
        assertThat(kubectl.run("get", "sshtunnels", "-o", "wide")).contains("MESSAGE").contains("3/3 forwards active");
        assertThat(kubectl.run("describe", "sshtunnel", "db")).containsPattern("Normal +Connected")
                .as("a tunnel that was starting had no Warning").doesNotContain("Warning");

        // sshd gone: within the keepalive bound the status says so; back: Ready again, one reconnect more each time.
        // `kubectl get -w` follows it live; the third Connected counts up one event to 3.
        Path watchOut = IT_LOGS.resolve("SandboxIT-get-w.txt");
        Process watch = new ProcessBuilder("kubectl", "--kubeconfig", sandboxes.dir().resolve("sandbox/kubeconfig").toString(), "get",
                "sshtunnels", "db", "-w").redirectErrorStream(true).redirectOutput(watchOut.toFile()).start();
        for (int outage = 1; outage <= 2; outage++) {
            sshd.stop();
            kubectl.run("wait", "--for=condition=Ready=false", "sshtunnel/db", "--timeout=20s");
            assertThat(kubectl.run("get", "sshtunnel", "db", "-o", READY_REASON)).isIn("Unreachable", "Connecting");
            assertThat(kubectl.run("get", "sshtunnel", "db", "-o", "jsonpath={.status.readyForwards}")).isEqualTo("0/3");
            sshd.restart();
            kubectl.run("wait", "--for=condition=Ready", "sshtunnel/db", "--timeout=30s");
            assertThat(kubectl.run("get", "sshtunnel", "db", "-o", "jsonpath={.status.session.reconnects}"))
                    .isEqualTo(String.valueOf(outage));
        }
        watch.destroy();
        watch.waitFor(10, TimeUnit.SECONDS);
        assertThat(Files.readAllLines(watchOut)).as("kubectl get -w")
                .anySatisfy(line -> assertThat(line).startsWith("db ").containsAnyOf("Unreachable", "Connecting"))
                .anySatisfy(line -> assertThat(line).startsWith("db ").contains("3/3").contains("Connected"));
        assertThat(kubectl.run("get", "events", "--field-selector", "reason=Connected,involvedObject.name=db", "-o",
                "jsonpath={.items[*].count}")).as("one Connected event, counted up").isEqualTo("3");
        try (Socket local = new Socket("127.0.0.1", localPort)) {
            assertThat(roundTrip(local, "after the outage")).isEqualTo("after the outage");
        }

        // The server's key is not the pinned one any more: HostKeyMismatch, with the new generation observed.
        String wrongHost = "[127.0.0.1]:" + sshd.port() + " " + Keys.publicKey(otherHostKey);
        assertThat(kubectl.attempt(yaml(manifest(sshd, wrongHost, localPort, socksPort, remotePort, echo.port())), "apply",
                "--server-side", "--force-conflicts", "-f", "-").out()).contains("sshtunnel.sshtunnel.dev/db serverside-applied");
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "sshtunnel", "db", "-o", READY_REASON), "HostKeyMismatch"::equals);
        assertThat(kubectl.run("get", "sshtunnel", "db", "-o", "jsonpath={.metadata.generation}/{.status.observedGeneration}"))
                .isEqualTo("2/2");
        assertThat(kubectl.run("get", "events", "--field-selector", "reason=HostKeyMismatch", "-o", "name")).isNotBlank();
        assertThat(dev.sshtunnel.testing.EcosystemTools.kstatus(kubectl.run("get", "sshtunnel", "db", "-o", "json")))
                .hasEntrySatisfying("default/db", verdict -> assertThat(verdict).startsWith("Failed").contains("presented host key"));
        assertThat(dev.sshtunnel.testing.ArgoCdHealth.of(kubectl.run("get", "sshtunnel", "db", "-o", "json")))
                .startsWith("Degraded|HostKeyMismatch");

        saveWhatUsersSee(kubectl);

        // kubectl delete: every owned object goes, the forwarders stop, their ports refuse.
        assertThat(kubectl.run("delete", "sshtunnel", "db", "locked")).contains("\"db\" deleted").contains("\"locked\" deleted");
        // The real garbage collector follows the owner references: Deployment -> ReplicaSet -> Pods too.
        await().atMost(Duration.ofSeconds(30)).until(() -> kubectl.run("get",
                "deployments,replicasets,services,configmaps,networkpolicies,pods", "-l", MANAGED, "-o", "name").isBlank());
        await().atMost(Duration.ofSeconds(20)).until(() -> !Ports.accepts("127.0.0.1", localPort)
                && !Ports.accepts("127.0.0.1", socksPort) && !Ports.accepts("127.1.0.1", 8081)
                && !Ports.accepts("127.1.0.2", 8081));
        assertThat(log()).contains("pod default/db-").contains("stopped");
        assertThat(log()).as("no request of the operator refused by RBAC").doesNotContain("forbidden");
    }

    /**
     * kubectl apply adds, changes and removes a forward while a channel through another one carries
     * bytes: the pod is the same pod throughout, the channel never breaks, status shows each change
     * within seconds, and observedGeneration moves once the pod runs the new generation.
     */
    @Test
    void forwardChangesReachTheRunningPodWithoutBreakingItsChannels() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        EchoServer afterEof = sandboxes.echo(EchoServer.Mode.AFTER_EOF);
        Kubectl kubectl = startSandbox();
        kubectl.attempt(kubectl.run("create", "secret", "generic", "bastion-key", "--from-file=id_ed25519=" + key,
                "--dry-run=client", "-o", "yaml"), "apply", "-f", "-");
        int portA = Ports.free();
        int portB = Ports.free();
        String base = yaml(localTunnel("live", sshd, portA, echo.port()));
        SshTunnel withSecond = localTunnel("live", sshd, portA, echo.port());
        kubectl.attempt(base, "apply", "-f", "-");
        assertThat(kubectl.run("wait", "--for=condition=Ready", "sshtunnel/live", "--timeout=60s")).as(this::log)
                .contains("condition met");
        String uid = kubectl.run("get", "pods", "-l", "app.kubernetes.io/instance=live", "-o", "jsonpath={.items[*].metadata.uid}");

        try (Socket channel = new Socket("127.0.0.1", portA)) {
            channel.setSoTimeout(10_000);
            assertThat(roundTrip(channel, "first")).isEqualTo("first");
            withSecond.getSpec().getForwards().add(local("b", portB, "127.0.0.1", echo.port()));
            String withB = yaml(withSecond);

            long start = System.nanoTime();
            kubectl.attempt(withB, "apply", "-f", "-");
            // Within seconds although the node refreshes volumes only every minute on its own: the operator's
            // pod annotation (PodVolumeRefresh) makes it sync the pod at once, as a kubelet does.
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).until(() -> kubectl.run("get",
                    "sshtunnel", "live", "-o", "jsonpath={.status.forwards[?(@.name==\"b\")].state}"), "Active"::equals);
            System.out.printf("live change: forward b Active in status %d ms after kubectl apply%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            await().atMost(Duration.ofSeconds(20)).until(() -> kubectl.run("get", "sshtunnel", "live", "-o",
                    "jsonpath={.metadata.generation}/{.status.observedGeneration}"), "2/2"::equals);
            assertThat(roundTrip(channel, "while b was added")).isEqualTo("while b was added");
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
                try (Socket b = new Socket("127.0.0.1", portB)) {
                    b.setSoTimeout(5_000);
                    return roundTrip(b, "through b").equals("through b");
                }
            });

            // Changed: b leads to a target that answers with the length and the bytes reversed.
            withSecond.getSpec().getForwards().get(1).getTarget().setPort(afterEof.port());
            kubectl.attempt(yaml(withSecond), "apply", "-f", "-");
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                try (Socket b = new Socket("127.0.0.1", portB)) {
                    b.setSoTimeout(5_000);
                    b.getOutputStream().write("abc".getBytes(StandardCharsets.UTF_8));
                    b.shutdownOutput();
                    return new String(b.getInputStream().readAllBytes(), StandardCharsets.UTF_8).equals("3\ncba");
                }
            });
            assertThat(roundTrip(channel, "while b was changed")).isEqualTo("while b was changed");

            // Removed: status drops it, the Service port goes, the channel through a carries on.
            kubectl.attempt(base, "apply", "-f", "-");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> kubectl.run("get",
                    "sshtunnel", "live", "-o", "jsonpath={.status.forwards[*].name}"), "echo"::equals);
            await().atMost(Duration.ofSeconds(20)).until(() -> kubectl.run("get", "sshtunnel", "live", "-o",
                    "jsonpath={.metadata.generation}/{.status.observedGeneration}/{.status.readyForwards}"), "4/4/1/1"::equals);
            assertThat(roundTrip(channel, "after b was removed")).isEqualTo("after b was removed");
        }
        assertThat(kubectl.run("get", "pods", "-l", "app.kubernetes.io/instance=live", "-o", "jsonpath={.items[*].metadata.uid}"))
                .as("the same pod ran every generation").isEqualTo(uid);
        assertThat(kubectl.run("get", "sshtunnel", "live", "-o", "jsonpath={.status.session.reconnects}")).isEqualTo("0");

        // spec.ssh.sessions: the same pod connects three sessions (a live change of the SSH settings), and
        // status lists each; kubectl wait returns only once the pod runs that generation.
        SshTunnel threeSessions = localTunnel("live", sshd, portA, echo.port());
        threeSessions.getSpec().getSsh().setSessions(3);
        kubectl.attempt(yaml(threeSessions), "apply", "-f", "-");
        assertThat(kubectl.run("wait", "--for=condition=Ready", "sshtunnel/live", "--timeout=60s")).contains("condition met");
        assertThat(kubectl.run("get", "sshtunnel", "live", "-o", "jsonpath={.metadata.generation}/{.status.observedGeneration}"))
                .isEqualTo("5/5");
        await().atMost(Duration.ofSeconds(20)).until(() -> kubectl.run("get", "sshtunnel", "live", "-o",
                "jsonpath={.status.sessions[*].state}"), "Connected Connected Connected"::equals);
        assertThat(kubectl.run("get", "sshtunnel", "live", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].message}"))
                .contains("3/3 SSH sessions");
        assertThat(kubectl.run("get", "pods", "-l", "app.kubernetes.io/instance=live", "-o", "jsonpath={.items[*].metadata.uid}"))
                .isEqualTo(uid);

        // A server that does not answer yet is progress for Flux's kstatus (InProgress), not a failure.
        SshTunnel nowhere = localTunnel("nowhere", sshd, Ports.free(), echo.port());
        nowhere.getSpec().getSsh().setPort(Ports.free());
        kubectl.attempt(yaml(nowhere), "apply", "-f", "-");
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
                .until(() -> kubectl.run("get", "sshtunnel", "nowhere", "-o", READY_REASON), "Unreachable"::equals);
        assertThat(dev.sshtunnel.testing.EcosystemTools.kstatus(kubectl.run("get", "sshtunnels", "-o", "json")))
                .hasEntrySatisfying("default/nowhere", verdict -> assertThat(verdict).startsWith("InProgress"))
                .hasEntrySatisfying("default/live", verdict -> assertThat(verdict).startsWith("Current"));
        assertThat(dev.sshtunnel.testing.ArgoCdHealth.of(kubectl.run("get", "sshtunnel", "nowhere", "-o", "json")))
                .startsWith("Degraded|Unreachable");
    }

    /**
     * helm install, upgrade and uninstall of the chart on the real control plane while a tunnel runs:
     * the release's objects come and go, the CRD (already there) is left alone, the tunnel stays Ready.
     * The chart's own operator pod does not run here (the sandbox node runs only forwarder pods); the
     * sandbox's operator keeps the tunnel.
     */
    @Test
    void helmInstallUpgradeAndUninstallAroundAReadyTunnel() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        Kubectl kubectl = startSandbox();
        Path kubeconfig = sandboxes.dir().resolve("sandbox/kubeconfig");
        kubectl.attempt(kubectl.run("create", "secret", "generic", "bastion-key", "--from-file=id_ed25519=" + key,
                "--dry-run=client", "-o", "yaml"), "apply", "-f", "-");
        int port = Ports.free();
        kubectl.attempt(yaml(localTunnel("steady", sshd, port, echo.port())), "apply", "-f", "-");
        assertThat(kubectl.run("wait", "--for=condition=Ready", "sshtunnel/steady", "--timeout=60s")).contains("condition met");
        String crdVersion = kubectl.run("get", "crd", "sshtunnels.sshtunnel.dev", "-o", "jsonpath={.metadata.resourceVersion}");
        String chart = Path.of("deploy/helm/sshtunnel-operator").toAbsolutePath().toString();

        assertThat(dev.sshtunnel.testing.EcosystemTools.helm(kubeconfig, "install", "tunnels", chart, "--namespace", "helm-system",
                "--create-namespace")).contains("STATUS: deployed");
        assertThat(kubectl.run("get", "deployment,serviceaccount,service", "-n", "helm-system", "-o", "name"))
                .contains("deployment.apps/tunnels", "serviceaccount/tunnels", "service/tunnels");
        assertThat(kubectl.run("get", "clusterrole,clusterrolebinding", "tunnels", "-o", "name")).contains("clusterrole", "clusterrolebinding");
        assertThat(kubectl.run("get", "crd", "sshtunnels.sshtunnel.dev", "-o", "jsonpath={.metadata.resourceVersion}"))
                .as("Helm leaves an existing CRD alone").isEqualTo(crdVersion);

        assertThat(dev.sshtunnel.testing.EcosystemTools.helm(kubeconfig, "upgrade", "tunnels", chart, "--namespace", "helm-system",
                "--set", "replicas=2")).contains("STATUS: deployed").contains("REVISION: 2");
        assertThat(kubectl.run("get", "pdb", "tunnels", "-n", "helm-system", "-o", "jsonpath={.spec.maxUnavailable}")).isEqualTo("1");
        assertThat(kubectl.run("get", "deployment", "tunnels", "-n", "helm-system", "-o", "jsonpath={.spec.replicas}")).isEqualTo("2");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            assertThat(roundTrip(socket, "during the upgrade")).isEqualTo("during the upgrade");
        }

        assertThat(dev.sshtunnel.testing.EcosystemTools.helm(kubeconfig, "uninstall", "tunnels", "--namespace", "helm-system"))
                .contains("uninstalled");
        await().atMost(Duration.ofSeconds(30)).until(() -> kubectl.run("get", "deployment,pdb,service", "-n", "helm-system",
                "-o", "name").isBlank());
        assertThat(kubectl.attempt(null, "get", "clusterrole", "tunnels").exitCode()).isNotZero();
        assertThat(kubectl.run("get", "sshtunnel", "steady", "-o", READY_REASON)).isEqualTo("Connected");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            assertThat(roundTrip(socket, "after the uninstall")).isEqualTo("after the uninstall");
        }
    }

    @Test
    void acceptNewPinsTheFirstKeyForEveryLaterPod() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        Kubectl kubectl = startSandbox();
        String secret = kubectl.run("create", "secret", "generic", "bastion-key", "--from-file=id_ed25519=" + key,
                "--dry-run=client", "-o", "yaml");
        kubectl.attempt(secret, "apply", "-f", "-");
        int localPort = Ports.free();
        SshTunnel tofu = localTunnel("tofu", sshd, localPort, echo.port());
        tofu.getSpec().getSsh().setHostKey(TunnelFixtures.hostKey(HostKeyPolicy.AcceptNew, null));
        String tunnel = yaml(tofu);
        assertThat(kubectl.attempt(tunnel, "apply", "-f", "-").out()).contains("sshtunnel.sshtunnel.dev/tofu created");
        assertThat(kubectl.run("wait", "--for=condition=Ready", "sshtunnel/tofu", "--timeout=60s")).as(this::log)
                .contains("condition met");

        // The first key is recorded and pinned in tunnel.yaml, without replacing the pod that accepted it.
        String firstKey = sshd.hostKeyFingerprint();
        await().atMost(Duration.ofSeconds(20)).until(() -> kubectl.run("get", "sshtunnel", "tofu", "-o",
                "jsonpath={.status.acceptedHostKeyFingerprint}").replaceAll("=+$", ""), firstKey.replaceAll("=+$", "")::equals);
        String pod = kubectl.run("get", "pods", "-l", "app.kubernetes.io/instance=tofu", "-o", "jsonpath={.items[*].metadata.name}");
        await().atMost(Duration.ofSeconds(20)).until(() -> kubectl.run("get", "configmap", "tofu-tunnel", "-o",
                "jsonpath={.data.tunnel\\.yaml}"), document -> document.contains("policy: \"Strict\"") || document.contains("policy: Strict"));
        assertThat(kubectl.run("get", "pods", "-l", "app.kubernetes.io/instance=tofu", "-o", "jsonpath={.items[*].metadata.name}"))
                .as("the pod that accepted the key keeps running").isEqualTo(pod);

        // The server's key changes. A new pod (a restart, an eviction, a replica) is Strict against the
        // first key, as OpenSSH's accept-new is: HostKeyMismatch, not a silent new trust.
        sshd.stop();
        Files.delete(sandboxes.dir().resolve("sshd/ssh_host_ed25519_key"));
        Files.delete(sandboxes.dir().resolve("sshd/ssh_host_ed25519_key.pub"));
        dev.sshtunnel.testing.Processes.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                sandboxes.dir().resolve("sshd/ssh_host_ed25519_key").toString()));
        sshd.restart();
        assertThat(sshd.hostKeyFingerprint()).isNotEqualTo(firstKey);
        kubectl.run("delete", "pod", pod, "--wait=false");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            String pods = kubectl.run("get", "pods", "-l", "app.kubernetes.io/instance=tofu", "-o",
                    "jsonpath={.items[*].metadata.name}");
            return !pods.isBlank() && !pods.contains(pod)
                    && "HostKeyMismatch".equals(kubectl.run("get", "sshtunnel", "tofu", "-o", READY_REASON));
        });
        assertThat(kubectl.run("get", "sshtunnel", "tofu", "-o", "jsonpath={.status.acceptedHostKeyFingerprint}")
                .replaceAll("=+$", "")).isEqualTo(firstKey.replaceAll("=+$", ""));
        assertThat(kubectl.run("get", "sshtunnel", "tofu", "-o", "jsonpath={.status.session.lastError}"))
                .startsWith("HostKeyMismatch");
    }

    /** Events, SshTunnels with status, and every forwarder's /status and /q/metrics, for SecretLeakScanIT. */
    private static void saveWhatUsersSee(Kubectl kubectl) throws Exception {
        Files.writeString(IT_LOGS.resolve("SandboxIT-events.yaml"), kubectl.run("get", "events", "-A", "-o", "yaml"));
        Files.writeString(IT_LOGS.resolve("SandboxIT-sshtunnels.yaml"), kubectl.run("get", "sshtunnels", "-A", "-o", "yaml")
                + kubectl.run("describe", "sshtunnels"));
        StringBuilder bodies = new StringBuilder();
        var http = java.net.http.HttpClient.newHttpClient();
        for (String ip : kubectl.run("get", "pods", "-o", "jsonpath={.items[*].status.podIP}").split("\\s+")) {
            for (String path : List.of("/status", "/q/metrics", "/q/health/ready")) {
                bodies.append(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + ip + ":8081" + path)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body()).append('\n');
            }
        }
        assertThat(bodies).contains("\"session\"").contains("AuthenticationFailed");
        Files.writeString(IT_LOGS.resolve("SandboxIT-forwarder-endpoints.txt"), bodies);
    }

    private static String[] row(List<String> table, String name) {
        return table.stream().filter(line -> line.startsWith(name + " ")).findFirst().orElseThrow(
                () -> new AssertionError("no row " + name + " in\n" + String.join("\n", table))).split("\\s+");
    }

    private static String roundTrip(Socket socket, String message) throws IOException {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(message.getBytes(StandardCharsets.UTF_8));
        InputStream in = socket.getInputStream();
        return new String(in.readNBytes(message.length()), StandardCharsets.UTF_8);
    }

    /** NAME plus every default printer column (priority 0, which the API server omits) of the CRD, as kubectl custom-columns. */
    private static String printerColumns(Kubectl kubectl) throws IOException {
        var crd = new com.fasterxml.jackson.databind.ObjectMapper().readTree(kubectl.run("get", "crd", "sshtunnels.sshtunnel.dev",
                "-o", "json"));
        StringBuilder columns = new StringBuilder("NAME:.metadata.name");
        for (var column : crd.path("spec").path("versions").get(0).path("additionalPrinterColumns")) {
            if (column.path("priority").asInt(0) == 0) {
                columns.append(',').append(column.path("name").asText().toUpperCase()).append(':')
                        .append(column.path("jsonPath").asText());
            }
        }
        return columns.toString();
    }
}
