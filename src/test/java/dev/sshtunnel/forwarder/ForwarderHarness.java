package dev.sshtunnel.forwarder;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;

import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.SessionStatus;
import dev.sshtunnel.config.ConfigException;
import dev.sshtunnel.config.SecretFiles;
import dev.sshtunnel.config.TunnelConfigLoader;
import dev.sshtunnel.config.policy.TargetPolicy;
import dev.sshtunnel.testing.TunnelFiles;

/** Starts the forwarder exactly as `forward -f tunnel.yaml --secrets-dir DIR` does, in this JVM. */
final class ForwarderHarness {

    private ForwarderHarness() {
    }

    static ForwarderProcess start(TunnelFiles files) throws IOException, ConfigException {
        return start(files, TargetPolicy.OPEN);
    }

    /** The same with a target policy, as `forward --denied-targets ... --allowed-targets ...` runs. */
    static ForwarderProcess start(TunnelFiles files, TargetPolicy policy) throws IOException, ConfigException {
        Path yaml = files.write();
        TunnelConfigLoader loader = new TunnelConfigLoader(new SecretFiles(files.secretsDir()),
                TunnelConfigLoader.Admission.CHECK_CRD_RULES);
        ForwarderProcess process = new ForwarderProcess(loader.load(yaml), "127.0.0.1", "127.0.0.1", 0, Duration.ofSeconds(2),
                policy);
        process.watch(yaml, files.secretsDir(), loader, Duration.ofMillis(200));
        return process;
    }

    static SessionStatus awaitSession(ForwarderProcess process, Predicate<SessionStatus> condition, Duration timeout) {
        return await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> process.status().session(), condition);
    }

    /** The session once it is connected or has failed with an error (20 s at most). */
    static SessionStatus awaitSettled(ForwarderProcess process) {
        return awaitSession(process, s -> s.getState() == dev.sshtunnel.api.v1alpha1.SessionState.Connected
                || (s.getLastError() != null && !s.getLastError().isEmpty()), Duration.ofSeconds(20));
    }

    static ForwardStatus forward(ForwarderProcess process, String name) {
        return process.status().forwards().stream().filter(f -> f.getName().equals(name)).findFirst().orElseThrow();
    }

    static ForwardStatus awaitForward(ForwarderProcess process, String name, Predicate<ForwardStatus> condition) {
        // ignoring the exception of a forward not listed yet: a live change adds it within a watch interval
        return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> forward(process, name), condition);
    }

    /**
     * Every forward attached: a session can be Connected a moment before its forwards are, and a
     * connection in that moment is closed (and counted as failed), as it would be in production.
     */
    static void awaitAllActive(ForwarderProcess process) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> process.status().forwards()
                .stream().allMatch(f -> f.getState() == dev.sshtunnel.api.v1alpha1.ForwardState.Active));
    }

    static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        socket.setSoTimeout(20_000);
        socket.setTcpNoDelay(true);
        return socket;
    }

    /** Writes a request, reads the echo of the same length. */
    static byte[] roundTrip(int port, byte[] request) throws IOException {
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            return in.readNBytes(request.length);
        }
    }

    static HttpResponse<String> get(ForwarderProcess process, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + process.httpPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
