package dev.sshtunnel.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.Service;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.AcceptAllPublickeyAuthenticator;
import org.apache.sshd.server.channel.AbstractServerChannel;
import org.apache.sshd.server.session.AbstractServerSession;
import org.apache.sshd.server.session.ServerConnectionService;
import org.apache.sshd.server.session.ServerConnectionServiceFactory;
import org.apache.sshd.server.session.ServerUserAuthServiceFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.sshtunnel.forwarder.forward.ChannelFailureLog;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.PackagedJar;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.TunnelFiles;

/**
 * What an SSH server says (its version, the description of a channel refusal) reaches the packaged
 * forwarder's log as part of one clean line, and a server refusing every channel cannot flood it.
 * The hostile server is MINA's SshServer: OpenSSH's sshd does not let its refusal text or version be
 * chosen.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class UntrustedServerTextIT {

    /** A whole forged log line after CR/LF, then ANSI escapes (clear screen, red). */
    private static final String FORGED = "no\r\n2026-01-01T00:00:00.000Z INFO  [d.s.f.s.TunnelSession] forged-line"
            + " \u001b[2J\u001b[31mred\u001b[0m";
    private static final int REFUSED = 2000;
    private static final Pattern SUMMARY = Pattern.compile(
            "forward db: (\\d+) more channels? failed in the last \\d+ s, the last: ForwardRejected: ");
    private static final Pattern LOG_LINE = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (INFO |WARN |ERROR|DEBUG) \\[");

    @TempDir
    Path dir;

    private SshServer server;
    private final PackagedJar jar = new PackagedJar();

    @AfterEach
    void stop() throws Exception {
        jar.close();
        if (server != null) {
            server.stop(true);
        }
    }

    @Test
    void refusalsAndVersionOfAHostileServerAreLoggedCleanAndOncePerEpisode() throws Exception {
        KeyPair host = rsaKeyPair();
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(host));
        server.setPublickeyAuthenticator(AcceptAllPublickeyAuthenticator.INSTANCE);
        CoreModuleProperties.SERVER_IDENTIFICATION.set(server, "Hostile\u001b[31m_red\u001b[0m");
        server.setChannelFactories(List.of(new RefusingDirectTcpip()));
        server.setServiceFactories(List.of(ServerUserAuthServiceFactory.INSTANCE, new ForgingConnectionServiceFactory()));
        server.start();

        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        int local = Ports.free();
        int http = Ports.free();
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", server.getPort(), "tunnel").privateKey(key)
                .hostKey("[127.0.0.1]:" + server.getPort() + " " + PublicKeyEntry.toString(host.getPublic()))
                .local("db", local, "127.0.0.1", 5432);
        Path yaml = files.write();
        Path log = PackagedJar.IT_LOGS.resolve("UntrustedServerTextIT.log");
        Process forwarder = jar.start(log, List.of(), "forward", "-f", yaml.toString(), "--secrets-dir",
                files.secretsDir().toString(), "--http-port", Integer.toString(http));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> status(http).contains("\"state\":\"Connected\"") && status(http).contains("\"state\":\"Active\""));

        // A flood spread over more than one window: a line for its first refusal, then one per window.
        long started = System.nanoTime();
        for (int i = 0; i < REFUSED; i++) {
            refusedChannel(local);
            Thread.sleep(5);
        }
        long floodSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> failedChannels(status(http)) == REFUSED);
        await().atMost(ChannelFailureLog.WINDOW.multipliedBy(3)).pollInterval(Duration.ofMillis(200))
                .until(() -> summed(PackagedJar.read(log)) == REFUSED - 1);
        // A window without refusals ends the episode: the next refusal is logged as the first of a new one.
        Thread.sleep(ChannelFailureLog.WINDOW.plusSeconds(5).toMillis());
        refusedChannel(local);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> firstRefusals(PackagedJar.read(log)).size() == 2);
        forwarder.destroy(); // SIGTERM: closing the forward logs what it still counts (nothing, here)
        assertThat(forwarder.waitFor(30, TimeUnit.SECONDS)).isTrue();

        String text = PackagedJar.read(log);
        assertOneCleanLineEach(text, "forged-line");
        assertOneCleanLineEach(text, "Hostile");
        List<String> lines = text.lines().toList();
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("established (SSH-2.0-Hostile [31m_red [0m,"));

        List<String> first = firstRefusals(text);
        assertThat(first).as(text).hasSize(2);
        assertThat(first.get(0)).endsWith("forward db: channel failed: ForwardRejected: server refused a channel to"
                + " 127.0.0.1:5432: administratively prohibited (no  2026-01-01T00:00:00.000Z INFO  [d.s.f.s.TunnelSession]"
                + " forged-line  [2J [31mred [0m)");
        long summaries = lines.stream().filter(l -> SUMMARY.matcher(l).find()).count();
        assertThat(summaries).as(text).isBetween(1L, floodSeconds / ChannelFailureLog.WINDOW.toSeconds() + 2);
        assertThat(summed(text)).as("every refusal after the first is in a count").isEqualTo(REFUSED - 1);
    }

    @Test
    void aDisconnectMessageOfAHostileServerIsLoggedClean() throws Exception {
        KeyPair host = rsaKeyPair();
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(host));
        server.setPublickeyAuthenticator((user, key, session) -> {
            try {
                session.disconnect(SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE, FORGED);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return false;
        });
        server.start();

        Path key = Keys.generate(dir, "id", "ed25519", false, null);
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", server.getPort(), "tunnel").privateKey(key)
                .hostKey("[127.0.0.1]:" + server.getPort() + " " + PublicKeyEntry.toString(host.getPublic()))
                .local("db", Ports.free(), "127.0.0.1", 5432);
        Path yaml = files.write();
        Path log = PackagedJar.IT_LOGS.resolve("UntrustedServerTextIT-disconnect.log");
        Process forwarder = jar.start(log, List.of(), "forward", "-f", yaml.toString(), "--secrets-dir",
                files.secretsDir().toString(), "--http-port", Integer.toString(Ports.free()));
        // Each attempt fails the same way (on a loaded machine one may time out first, then the next says it).
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> PackagedJar.read(log).contains("forged-line"));
        forwarder.destroy();
        assertThat(forwarder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String text = PackagedJar.read(log);
        assertOneCleanLineEach(text, "forged-line");
        assertThat(text).contains("failed: AuthenticationFailed: ");
    }

    /** No escape or carriage return anywhere, and each line with the server's {@code marker} is one of ours. */
    private static void assertOneCleanLineEach(String log, String marker) {
        assertThat(log).doesNotContain("\u001b").doesNotContain("\r");
        assertThat(log.lines()).as(log).filteredOn(l -> l.contains(marker)).isNotEmpty()
                .allSatisfy(l -> assertThat(l).matches(LOG_LINE.pattern() + ".*").doesNotStartWith("2026-01-01T00:00:00.000Z"));
    }

    /** Connects to the Local forward and waits until the forwarder closes the connection (its channel refused). */
    private static void refusedChannel(int port) throws IOException {
        try (var client = ForwarderHarness.connect(port)) {
            assertThat(client.getInputStream().read()).as("closed once its channel is refused").isEqualTo(-1);
        }
    }

    private static List<String> firstRefusals(String log) {
        return log.lines().filter(l -> l.contains("forward db: channel failed: ")).toList();
    }

    /** The refusals the summary lines of the log count. */
    private static long summed(String log) {
        long sum = 0;
        for (String line : log.lines().toList()) {
            Matcher m = SUMMARY.matcher(line);
            if (m.find()) {
                sum += Long.parseLong(m.group(1));
            }
        }
        return sum;
    }

    private static long failedChannels(String status) {
        Matcher m = Pattern.compile("\"failedChannels\"\\s*:\\s*(\\d+)").matcher(status);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String status(int port) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * MINA's server describes every refusal as "Generic error while opening channel": the connection
     * service is where the description is written, so this one writes {@link #FORGED} instead.
     */
    private static final class ForgingConnectionServiceFactory extends ServerConnectionServiceFactory {
        @Override
        public Service create(Session session) throws IOException {
            ServerConnectionService service = new ServerConnectionService((AbstractServerSession) session) {
                @Override
                protected IoWriteFuture sendChannelOpenFailure(Buffer buf, long sender, int reasonCode, String message,
                        String lang) throws IOException {
                    return super.sendChannelOpenFailure(buf, sender, reasonCode, FORGED, lang);
                }
            };
            service.addPortForwardingEventListenerManager(this);
            return service;
        }
    }

    /** direct-tcpip channels, each refused (administratively prohibited). */
    private static final class RefusingDirectTcpip implements ChannelFactory {
        @Override
        public String getName() {
            return "direct-tcpip";
        }

        @Override
        public Channel createChannel(Session session) {
            return new AbstractServerChannel(null) {
                @Override
                protected OpenFuture doInit(Buffer buffer) {
                    DefaultOpenFuture refused = new DefaultOpenFuture(this, new Object());
                    refused.setException(new SshChannelOpenException(getChannelId(),
                            SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, FORGED));
                    return refused;
                }

                @Override
                protected void doWriteData(byte[] data, int off, long len) throws IOException {
                    throw new IOException("never opened");
                }

                @Override
                protected void doWriteExtendedData(byte[] data, int off, long len) throws IOException {
                    throw new IOException("never opened");
                }
            };
        }
    }

    private static KeyPair rsaKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }
}
