package dev.sshtunnel.forwarder.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.sshtunnel.api.forwarder.ForwarderStatus;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;

/** Clients that send part of a request and stall must not take the forwarder's health endpoints down. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatusEndpointsStallTest {

    private static StatusEndpoints endpoints() throws Exception {
        SessionStatus session = new SessionStatus();
        session.setState(SessionState.Connected);
        return new StatusEndpoints("127.0.0.1", 0,
                () -> new StatusEndpoints.Snapshot(new ForwarderStatus(null, null, session, null, List.of()), Map.of()), null, "tunnel");
    }

    private static Socket stall(int port) throws Exception {
        Socket socket = new Socket("127.0.0.1", port);
        OutputStream out = socket.getOutputStream();
        out.write("GET /status HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII)); // never finished
        out.flush();
        return socket;
    }

    private static int live(int port, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/live")).timeout(timeout).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void oneStalledClientDoesNotDelayLiveness() throws Exception {
        try (StatusEndpoints endpoints = endpoints(); Socket stalled = stall(endpoints.port())) {
            Thread.sleep(200);
            assertThat(live(endpoints.port(), Duration.ofSeconds(2))).isEqualTo(200);
            // ... and the server gives up on the stalled request within its deadline, closing the connection.
            stalled.setSoTimeout(15_000);
            long start = System.nanoTime();
            byte[] rest = stalled.getInputStream().readAllBytes();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(StatusEndpoints.REQUEST_DEADLINE_SECONDS + 3));
            assertThat(new String(rest, StandardCharsets.US_ASCII)).doesNotContain("\"session\"");
        }
    }

    @Test
    void moreStalledClientsThanWorkersDelayLivenessOnlyUntilTheDeadline() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try (StatusEndpoints endpoints = endpoints()) {
            for (int i = 0; i < 3 * StatusEndpoints.WORKERS; i++) {
                stalled.add(stall(endpoints.port()));
            }
            assertThat(live(endpoints.port(), Duration.ofSeconds(StatusEndpoints.REQUEST_DEADLINE_SECONDS * 3L + 5))).isEqualTo(200);
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }
}
