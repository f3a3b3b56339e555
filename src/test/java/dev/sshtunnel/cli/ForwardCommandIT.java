package dev.sshtunnel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.TunnelFiles;

/** The packaged program, run exactly as docs/tunnels.md and the forwarder pod run it. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ForwardCommandIT {

    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");

    @TempDir
    Path dir;

    private Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectOutput(dir.resolve("out.log").toFile())
                .redirectError(dir.resolve("err.log").toFile()).start();
    }

    @Test
    void badConfigurationIsOneLineAndExitCodeTwo() throws Exception {
        Path yaml = dir.resolve("tunnel.yaml");
        Files.writeString(yaml, """
                apiVersion: sshtunnel.dev/v1alpha1
                kind: SshTunnel
                metadata: {name: t}
                spec:
                  ssh: {host: bastion, user: u, privateKeySecretRef: {name: key, key: id}}
                  forwards: [{name: p, type: Dynamic, port: 1080}]
                """);
        Process process = start("forward", "-f", yaml.toString(), "--secrets-dir", dir.resolve("secrets").toString());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        String err = Files.readString(dir.resolve("err.log"));
        assertThat(err.lines().filter(l -> !l.isBlank()).toList()).hasSize(1);
        assertThat(err).startsWith("error: spec.ssh.privateKeySecretRef: file ").contains("not found").doesNotContain("Exception");
    }

    @Test
    void aTargetPolicyEntryThatIsNoCidrIsOneLineNamingItAndExitCodeTwo() throws Exception {
        Path yaml = dir.resolve("tunnel.yaml");
        Files.writeString(yaml, "kind: SshTunnel\n");
        Process process = start("forward", "-f", yaml.toString(), "--secrets-dir", dir.toString(),
                "--denied-targets=127.0.0.0/8,localhost");
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        String err = Files.readString(dir.resolve("err.log"));
        assertThat(err.lines().filter(l -> !l.isBlank()).toList()).hasSize(1);
        assertThat(err).startsWith("error: sshtunnel.guard-rails.denied-targets: 'localhost' is not a CIDR")
                .doesNotContain("Exception");
    }

    @Test
    void forwardsTrafficReportsStatusAndExitsZeroOnSigterm() throws Exception {
        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(key)));
                EchoServer echo = new EchoServer(EchoServer.Mode.ECHO)) {
            int local = Ports.free();
            int httpPort = Ports.free();
            TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                    .privateKey(key).hostKey(sshd.knownHostsLine())
                    .local("echo", local, "127.0.0.1", echo.port()).remote("back", 0, "127.0.0.1", echo.port());
            Path yaml = files.write();
            Process process = start("forward", "-f", yaml.toString(), "--secrets-dir", files.secretsDir().toString(),
                    "--http-port", Integer.toString(httpPort));
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready")).build();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            String status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(status).contains("\"state\":\"Connected\"");
            int bound = Integer.parseInt(status.replaceAll("(?s).*\"boundPort\":(\\d+).*", "$1"));
            // By default the status endpoints, like the listeners, are on loopback only.
            assertThat(listeningAddresses(httpPort)).containsExactly("127.0.0.1");
            assertThat(listeningAddresses(local)).containsExactly("127.0.0.1");

            try (var socket = new java.net.Socket("127.0.0.1", local)) {
                socket.getOutputStream().write("cli".getBytes(StandardCharsets.US_ASCII));
                assertThat(socket.getInputStream().readNBytes(3)).isEqualTo("cli".getBytes(StandardCharsets.US_ASCII));
            }
            assertThat(Ports.accepts("127.0.0.1", bound)).isTrue();

            process.destroy(); // SIGTERM
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(Files.readString(dir.resolve("err.log"))).isZero();
            assertThat(Ports.accepts("127.0.0.1", local)).as("listener closed").isFalse();
            await().atMost(Duration.ofSeconds(10)).until(() -> !Ports.accepts("127.0.0.1", bound));
            String logs = Files.readString(dir.resolve("out.log")) + Files.readString(dir.resolve("err.log"));
            assertThat(logs).contains("established").contains("stopped");
            assertThat(logs).doesNotContain(Files.readString(key).substring(40, 80));
        }
    }

    /** The addresses TCP sockets listen on at a port, from /proc/net/tcp and tcp6 (no connection to any address). */
    private static List<String> listeningAddresses(int port) throws IOException {
        List<String> addresses = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table)).subList(1, Files.readAllLines(Path.of(table)).size())) {
                String[] fields = line.trim().split("\\s+");
                String[] local = fields[1].split(":");
                if (fields[3].equals("0A") && Integer.parseInt(local[1], 16) == port) { // 0A: LISTEN
                    addresses.add(address(local[0]));
                }
            }
        }
        return addresses;
    }

    /**
     * /proc/net/tcp writes an IPv4 address as one little-endian hex word, tcp6 an IPv6 address as four;
     * Java's dual-stack sockets bound to an IPv4 address show as IPv4-mapped (::ffff:a.b.c.d).
     */
    private static String address(String hex) {
        if (hex.length() == 32 && hex.startsWith("0000000000000000FFFF0000")) {
            return address(hex.substring(24));
        }
        if (hex.length() != 8) {
            return hex.equals("00000000000000000000000000000000") ? "::" : hex;
        }
        long word = Long.parseLong(hex, 16);
        return (word & 0xff) + "." + (word >> 8 & 0xff) + "." + (word >> 16 & 0xff) + "." + (word >> 24 & 0xff);
    }
}
