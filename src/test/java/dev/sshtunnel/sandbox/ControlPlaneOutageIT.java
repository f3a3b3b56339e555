package dev.sshtunnel.sandbox;

import static dev.sshtunnel.testing.TunnelFixtures.localTunnel;
import static dev.sshtunnel.testing.TunnelFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.PackagedJar;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.SandboxExtension;
import dev.sshtunnel.testing.SandboxProcess;

/**
 * The control plane fails under a running tunnel: kube-apiserver is killed (SIGKILL; the sandbox
 * restarts it as a kubelet restarts a static pod) and etcd is frozen (SIGSTOP) for 30 s. A channel
 * open through the forwarder keeps moving bytes the whole time — the data plane does not depend on
 * the control plane — and the same operator process recovers and reconciles new work afterwards.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ControlPlaneOutageIT {

    @RegisterExtension
    final SandboxExtension sandboxes = new SandboxExtension();

    /** Before the extension stops the sandbox: a frozen etcd would not stop. */
    @AfterEach
    void thawEtcd() {
        signal("CONT", "^[^ ]*/etcd --name=sandbox --data-dir=" + sandboxes.dir());
    }

    @Test
    void channelFlowsAndOperatorRecoversThroughApiServerKillAndEtcdFreeze() throws Exception {
        Path key = sandboxes.key();
        OpenSshServer sshd = sandboxes.sshd(key);
        EchoServer echo = sandboxes.echo();
        SandboxProcess sandbox = sandboxes.start("sandbox");
        Path log = sandbox.log();
        Kubectl kubectl = sandbox.kubectl();
        sandbox.keySecret(key);
        int port = Ports.free();
        kubectl.attempt(yaml(localTunnel("db", sshd, port, echo.port())), "apply", "-f", "-");
        kubectl.run("wait", "--for=condition=Ready", "sshtunnel/db", "--timeout=90s");

        try (Socket channel = new Socket("127.0.0.1", port)) {
            Stream stream = new Stream(channel);
            stream.thread.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> stream.bytes.get() > 0);

            // kube-apiserver killed: the sandbox's supervisor starts it again.
            signal("KILL", "^[^ ]*/kube-apiserver .*" + sandboxes.dir().resolve("sandbox/cluster"));
            await().atMost(Duration.ofSeconds(60)).until(() -> PackagedJar.read(log).contains("kube-apiserver exited"));
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> kubectl.run("get", "sshtunnel", "db", "-o", "name").contains("db"));

            // etcd frozen for 30 s: the API server answers with errors, the tunnel does not notice.
            long before = stream.bytes.get();
            signal("STOP", "^[^ ]*/etcd --name=sandbox --data-dir=" + sandboxes.dir());
            Thread.sleep(30_000);
            signal("CONT", "^[^ ]*/etcd --name=sandbox --data-dir=" + sandboxes.dir());
            assertThat(stream.bytes.get()).as("bytes echoed while etcd was frozen").isGreaterThan(before + 100_000);

            // The same operator process reconciles new work once the control plane is back.
            kubectl.attempt(yaml(localTunnel("after", sshd, Ports.free(), echo.port())), "apply", "-f", "-");
            await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> kubectl.run("get", "sshtunnel", "after",
                    "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"), "True"::equals);
            assertThat(sandbox.process().isAlive()).isTrue();
            assertThat(PackagedJar.read(log).split("Profile sandbox activated", -1)).as("the operator never restarted")
                    .hasSize(2);

            stream.stop();
            assertThat(stream.failure.get()).as("the channel through the forwarder").isNull();
            assertThat(stream.longestGapMillis.get()).as("longest pause between two echoed chunks (ms)").isLessThan(2_000);
        }
    }

    /** Sends a signal to the control-plane binary whose command line matches (not its supervising shell). */
    private static void signal(String signal, String pattern) {
        try {
            new ProcessBuilder("pkill", "-" + signal, "-f", pattern).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes 4 KiB chunks through the channel and checks each comes back intact, until stopped. */
    private static final class Stream {
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong longestGapMillis = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread;
        volatile boolean running = true;

        Stream(Socket socket) {
            thread = new Thread(() -> {
                byte[] chunk = new byte[4096];
                byte[] back = new byte[chunk.length];
                long last = System.nanoTime();
                try {
                    socket.setSoTimeout(10_000);
                    OutputStream out = socket.getOutputStream();
                    InputStream in = socket.getInputStream();
                    for (int i = 0; running; i++) {
                        Arrays.fill(chunk, (byte) i);
                        out.write(chunk);
                        int read = in.readNBytes(back, 0, back.length);
                        if (read != back.length || !Arrays.equals(chunk, back)) {
                            throw new IOException("chunk " + i + " came back wrong (" + read + " bytes)");
                        }
                        bytes.addAndGet(read);
                        long now = System.nanoTime();
                        longestGapMillis.accumulateAndGet((now - last) / 1_000_000, Math::max);
                        last = now;
                        Thread.sleep(5);
                    }
                } catch (IOException | RuntimeException e) {
                    failure.set(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "outage-stream");
            thread.setDaemon(true);
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(15_000);
        }
    }
}
