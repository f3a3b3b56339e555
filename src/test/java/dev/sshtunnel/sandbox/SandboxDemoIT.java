package dev.sshtunnel.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sshtunnel.testing.SandboxExtension;
import dev.sshtunnel.testing.SandboxProcess;

/**
 * What a newcomer does first, `bash hack/sandbox.sh --demo`: by the time the sandbox prints its export line,
 * `kubectl get sshtunnels` shows the demo tunnel Ready, and the printed curl goes through the forwarder
 * pod and a real sshd to the web server behind it.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SandboxDemoIT {

    @RegisterExtension
    final SandboxExtension sandboxes = new SandboxExtension();

    @Test
    void theDemoShowsAReadyTunnelCarryingTraffic() throws Exception {
        SandboxProcess sandbox = sandboxes.start("sandbox", "--demo");

        assertThat(sandbox.read()).contains("demo: tunnel Ready; GET through it answered: hello from behind the bastion");
        assertThat(sandbox.kubectl().run("get", "sshtunnels")).containsPattern("demo\\s+127\\.0\\.0\\.1\\s+1/1\\s+\\d+\\s+Connected");
        assertThat(sandbox.kubectl().run("get", "sshtunnel", "demo", "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")).isEqualTo("True");

        Matcher curl = Pattern.compile("curl http://([0-9.]+):([0-9]+)/").matcher(sandbox.read());
        assertThat(curl.find()).as(sandbox.read()).isTrue();
        try (Socket socket = new Socket(curl.group(1), Integer.parseInt(curl.group(2)))) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200")
                    .endsWith("hello from behind the bastion\n");
        }
        // The harmless endpoint warnings are explained where the newcomer reads first.
        assertThat(sandbox.read()).contains("FailedToUpdateEndpoint(Slices) on each tunnel's Service are expected here and harmless");
    }
}
