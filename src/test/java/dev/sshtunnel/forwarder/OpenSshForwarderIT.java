package dev.sshtunnel.forwarder;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import dev.sshtunnel.testing.EchoServer;
import dev.sshtunnel.testing.Keys;
import dev.sshtunnel.testing.OpenSshServer;
import dev.sshtunnel.testing.TunnelFiles;

/** A real sshd that accepts one ed25519 user key, an echo target, and the forwarder under test. */
abstract class OpenSshForwarderIT {

    @TempDir
    Path dir;

    OpenSshServer sshd;
    Path userKey;
    EchoServer echo;
    ForwarderProcess forwarder;

    @BeforeEach
    void startServer() {
        userKey = Keys.generate(dir, "id_ed25519", "ed25519", false, null);
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(Keys.publicKey(userKey)));
        echo = new EchoServer(EchoServer.Mode.ECHO);
    }

    @AfterEach
    void stop() throws Exception {
        if (forwarder != null) {
            forwarder.close();
        }
        echo.close();
        sshd.close();
    }

    /** A tunnel to the sshd, authenticated with the user key, host key known. */
    TunnelFiles tunnel() {
        return new TunnelFiles(dir.resolve("tunnel"), "127.0.0.1", sshd.port(), sshd.user())
                .privateKey(userKey).hostKey(sshd.knownHostsLine());
    }
}
