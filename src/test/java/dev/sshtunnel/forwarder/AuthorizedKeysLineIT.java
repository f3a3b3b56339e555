package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitForward;
import static dev.sshtunnel.forwarder.ForwarderHarness.connect;
import static dev.sshtunnel.forwarder.ForwarderHarness.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.operator.status.AuthorizedKeysOptions;
import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.Ports;
import dev.sshtunnel.testing.TunnelFiles;
import dev.sshtunnel.testing.TunnelFixtures;

/**
 * The line status.authorizedKeysOptions suggests, installed exactly as an admin pastes it before the key in a
 * real sshd's authorized_keys: the key forwards what the tunnel names and nothing else, and runs no command.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AuthorizedKeysLineIT {

    @TempDir
    Path dir;

    private Path userKey;
    private OpenSshServer sshd;
    private EchoServer named;
    private EchoServer unnamed;
    private ForwarderProcess forwarder;
    private int remotePort;
    private int otherRemotePort;
    private String line;

    @BeforeEach
    void serverWithTheStatusLine() {
        userKey = Keys.generate(dir, "id_ed25519", "ed25519", false, null);
        named = new EchoServer(EchoServer.Mode.ECHO);
        unnamed = new EchoServer(EchoServer.Mode.ECHO);
        remotePort = Ports.free();
        otherRemotePort = Ports.free();
        ForwardSpec remote = TunnelFixtures.remote("hooks", remotePort, "127.0.0.1", named.port());
        remote.setBindAddress("127.0.0.1");
        List<ForwardSpec> spec = List.of(TunnelFixtures.local("db", Ports.free(), "127.0.0.1", named.port()), remote);
        line = AuthorizedKeysOptions.of(spec).orElseThrow() + " " + Keys.publicKey(userKey);
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(line));
    }

    @AfterEach
    void stop() throws Exception {
        if (forwarder != null) {
            forwarder.close();
        }
        sshd.close();
        named.close();
        unnamed.close();
    }

    @Test
    void theKeyRunsNoCommandNoShellAndNoSubsystem() throws Exception {
        assertThat(line).startsWith("restrict,command=\"/bin/false\",port-forwarding,permitopen=\"127.0.0.1:" + named.port() + "\"");
        Ssh exec = ssh("id");
        assertThat(exec.output).as("a command prints nothing: %s", exec).doesNotContain("uid=");
        assertThat(exec.exitCode).as("and fails: %s", exec).isNotZero();
        Ssh shell = ssh();
        assertThat(shell.output).as("a shell reads nothing: %s", shell).doesNotContain("uid=");
        assertThat(shell.exitCode).isNotZero();
        Ssh subsystem = ssh("-s", "sftp");
        assertThat(subsystem.exitCode).as("a subsystem is refused: %s", subsystem).isNotZero();
    }

    @Test
    void theForwardsTheLineNamesWorkAndOthersAreRefused() throws Exception {
        int local = Ports.free();
        int otherLocal = Ports.free();
        TunnelFiles files = new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                .privateKey(userKey).hostKey(sshd.knownHostsLine())
                .local("db", local, "127.0.0.1", named.port())
                .local("other", otherLocal, "127.0.0.1", unnamed.port())
                .remote("hooks", remotePort, "127.0.0.1", named.port())
                .remote("elsewhere", otherRemotePort, "127.0.0.1", named.port());
        forwarder = ForwarderHarness.start(files);

        awaitForward(forwarder, "db", f -> f.getState() == ForwardState.Active);
        assertThat(roundTrip(local, "named".getBytes())).isEqualTo("named".getBytes());
        awaitForward(forwarder, "hooks", f -> f.getState() == ForwardState.Active);
        assertThat(roundTrip(remotePort, "listen".getBytes())).isEqualTo("listen".getBytes());

        awaitForward(forwarder, "other", f -> f.getState() == ForwardState.Active);
        try (Socket socket = connect(otherLocal)) {
            assertThat(socket.getInputStream().read()).as("the unnamed target's channel is refused").isEqualTo(-1);
        }
        var refused = awaitForward(forwarder, "other", f -> f.getFailedChannels() == 1);
        assertThat(refused.getReason()).isEqualTo(Reason.ForwardRejected);
        var notListening = awaitForward(forwarder, "elsewhere", f -> f.getLastError() != null);
        assertThat(notListening.getState()).as("%s", notListening.getLastError()).isNotEqualTo(ForwardState.Active);
        assertThat(Ports.accepts("127.0.0.1", otherRemotePort)).as("the server listens on no port the line does not name").isFalse();
    }

    private record Ssh(int exitCode, String output) {
    }

    private Ssh ssh(String... command) throws Exception {
        List<String> argv = new ArrayList<>(List.of("ssh", "-T", "-i", userKey.toString(), "-p", String.valueOf(sshd.port()),
                "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10"));
        boolean subsystem = command.length > 0 && command[0].equals("-s");
        if (subsystem) {
            argv.add("-s");
        }
        argv.add(sshd.user() + "@127.0.0.1");
        for (int i = subsystem ? 1 : 0; i < command.length; i++) {
            argv.add(command[i]);
        }
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        // A shell or subsystem that ran would read this: `id` for a shell, garbage for sftp.
        process.getOutputStream().write("id\n".getBytes(StandardCharsets.US_ASCII));
        process.getOutputStream().close();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("ssh returns").isTrue();
        return new Ssh(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
