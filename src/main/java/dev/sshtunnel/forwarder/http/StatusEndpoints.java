package dev.sshtunnel.forwarder.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.sshtunnel.api.forwarder.ForwarderStatus;
import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.ProbeState;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;
import dev.sshtunnel.forwarder.probe.ProbeLatency;

/**
 * The forwarder's HTTP face: GET /status (what the operator folds into SshTunnel.status),
 * /q/health/live, /q/health/ready (session authenticated, every forward active or standby, and no forward with
 * affectsReadiness whose probe is Failing: the pod's readiness; liveness never looks at probes) and /q/metrics (Prometheus text). The JDK's server keeps the forwarder small.
 */
public final class StatusEndpoints implements AutoCloseable {

    /**
     * What the endpoints show; read on every request: the /status body, the bytes each forward carried
     * (sent, received) and how long its probes took, for the metrics, and the forwards whose Failing probe
     * takes the pod out of readiness (affectsReadiness).
     */
    public record Snapshot(ForwarderStatus status, Map<String, long[]> bytesByForward,
            Map<String, ProbeLatency.Snapshot> probeLatencyByForward, List<String> unreachable) {

        public Snapshot {
            probeLatencyByForward = probeLatencyByForward == null ? Map.of() : probeLatencyByForward;
            unreachable = unreachable == null ? List.of() : List.copyOf(unreachable);
        }

        /** Without probes. */
        public Snapshot(ForwarderStatus status, Map<String, long[]> bytesByForward) {
            this(status, bytesByForward, Map.of(), List.of());
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /** Threads serving requests: a client that stalls mid-request holds one of them until the deadline. */
    static final int WORKERS = 4;
    /** A request must arrive, and a response be taken, within this many seconds, else the connection is closed. */
    static final int REQUEST_DEADLINE_SECONDS = 5;

    static {
        // The JDK server's own deadlines, read once when its first server is created. Without them a
        // client that sends a byte and stalls holds a worker forever, and the liveness probe queues behind it.
        System.setProperty("sun.net.httpserver.maxReqTime",
                System.getProperty("sun.net.httpserver.maxReqTime", String.valueOf(REQUEST_DEADLINE_SECONDS)));
        System.setProperty("sun.net.httpserver.maxRspTime",
                System.getProperty("sun.net.httpserver.maxRspTime", String.valueOf(REQUEST_DEADLINE_SECONDS)));
    }

    private final HttpServer server;
    private final ExecutorService workers;
    private final Supplier<Snapshot> snapshot;
    /** namespace="…",tunnel="…": on every series, so a Prometheus scraping many pods can tell tunnels apart. */
    private final String tunnelLabels;

    public StatusEndpoints(String address, int port, Supplier<Snapshot> snapshot, String namespace, String tunnel)
            throws IOException {
        this.snapshot = snapshot;
        this.tunnelLabels = "namespace=\"" + labelValue(namespace == null ? "" : namespace) + "\",tunnel=\""
                + labelValue(tunnel) + "\"";
        this.server = HttpServer.create(new InetSocketAddress(address, port), 16);
        AtomicInteger count = new AtomicInteger();
        workers = Executors.newFixedThreadPool(WORKERS, r -> {
            Thread t = new Thread(r, "status-http-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(workers);
        server.createContext(ForwarderStatus.PATH, exchange -> json(exchange, 200, snapshot.get().status()));
        server.createContext("/q/health/live", exchange -> json(exchange, 200, health("UP", List.of(check("forwarder", true)))));
        server.createContext("/q/health/ready", this::ready);
        server.createContext("/q/health", this::ready);
        server.createContext("/q/metrics", this::metrics);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void ready(HttpExchange exchange) throws IOException {
        Snapshot taken = snapshot.get();
        ForwarderStatus now = taken.status();
        // A Standby forward is healthy, just waiting for the serving replica to let go of the port: the pod
        // stays ready, so its other forwards keep serving and a rolling update can wait on it as the new pod.
        boolean up = now.up() && taken.unreachable().isEmpty();
        Map<String, Object> session = check("ssh session", now.connected());
        session.put("data", Map.of("state", String.valueOf(now.session().getState()),
                "lastError", now.session().getLastError() == null ? "" : now.session().getLastError()));
        Map<String, Object> forwards = check("forwards", now.forwardsHealthy());
        Map<String, String> states = new LinkedHashMap<>();
        now.forwards().forEach(f -> states.put(f.getName(), String.valueOf(f.getState())));
        forwards.put("data", states);
        List<Map<String, Object>> checks = new ArrayList<>(List.of(session, forwards));
        if (now.forwards().stream().anyMatch(f -> f.getProbe() != null)) {
            Map<String, Object> probes = check("probes", taken.unreachable().isEmpty());
            Map<String, String> failing = new LinkedHashMap<>();
            now.forwards().stream().filter(f -> taken.unreachable().contains(f.getName()))
                    .forEach(f -> failing.put(f.getName(), f.getProbe() == null ? "" : String.valueOf(f.getProbe().getMessage())));
            probes.put("data", failing);
            checks.add(probes);
        }
        json(exchange, up ? 200 : 503, health(up ? "UP" : "DOWN", checks));
    }

    private void metrics(HttpExchange exchange) throws IOException {
        Snapshot taken = snapshot.get();
        ForwarderStatus now = taken.status();
        StringBuilder text = new StringBuilder();
        gauge(text, "sshtunnel_session_up", "1 while the SSH session is authenticated",
                Map.of(tunnelLabels, now.session().getState() == SessionState.Connected ? 1 : 0));
        counter(text, "sshtunnel_session_reconnects_total", "Sessions re-established after a loss",
                Map.of(tunnelLabels, now.session().getReconnects() == null ? 0 : now.session().getReconnects()));
        List<SessionStatus> each = now.sessions() == null ? List.of(now.session()) : now.sessions();
        gauge(text, "sshtunnel_sessions_connected", "SSH sessions authenticated now, out of sshtunnel_sessions_configured",
                Map.of(tunnelLabels, each.stream().filter(s -> s.getState() == SessionState.Connected).count()));
        gauge(text, "sshtunnel_sessions_configured", "SSH sessions the forwarder keeps (spec.ssh.sessions)",
                Map.of(tunnelLabels, each.size()));
        Map<String, Number> active = new LinkedHashMap<>();
        Map<String, Number> total = new LinkedHashMap<>();
        Map<String, Number> failed = new LinkedHashMap<>();
        Map<String, Number> up = new LinkedHashMap<>();
        Map<String, Number> standby = new LinkedHashMap<>();
        Map<String, Number> sent = new LinkedHashMap<>();
        Map<String, Number> received = new LinkedHashMap<>();
        Map<String, Number> probeUp = new LinkedHashMap<>();
        Map<String, ProbeLatency.Snapshot> probeLatency = new LinkedHashMap<>();
        for (ForwardStatus forward : now.forwards()) {
            String label = tunnelLabels + ",forward=\"" + labelValue(forward.getName()) + "\",type=\"" + forward.getType() + "\"";
            active.put(label, forward.getActiveChannels());
            total.put(label, forward.getTotalChannels());
            failed.put(label, forward.getFailedChannels());
            up.put(label, forward.getState() == ForwardState.Active ? 1 : 0);
            standby.put(label, forward.getState() == ForwardState.Standby ? 1 : 0);
            long[] bytes = taken.bytesByForward().getOrDefault(forward.getName(), new long[2]);
            sent.put(label, bytes[0]);
            received.put(label, bytes[1]);
            // Absent while Unknown (no verdict yet, or no probe): a 0 would page for a pod that just started,
            // and a NaN matches neither == 0 nor == 1 in an alert rule either, so leaving it out says the same plainly.
            if (forward.getProbe() != null && forward.getProbe().getState() != null && forward.getProbe().getState() != ProbeState.Unknown) {
                probeUp.put(label, forward.getProbe().getState() == ProbeState.Passing ? 1 : 0);
            }
            ProbeLatency.Snapshot latency = taken.probeLatencyByForward().get(forward.getName());
            if (latency != null) {
                probeLatency.put(label, latency);
            }
        }
        gauge(text, "sshtunnel_forward_up", "1 while the forward is listening or bound", up);
        gauge(text, "sshtunnel_forward_standby", "1 while a Remote forward waits for its port, held by another replica", standby);
        gauge(text, "sshtunnel_forward_active_channels", "Channels open now", active);
        counter(text, "sshtunnel_forward_channels_total", "Channels opened", total);
        counter(text, "sshtunnel_forward_failed_channels_total", "Channel opens that failed", failed);
        counter(text, "sshtunnel_forward_sent_bytes_total", "Bytes from clients to the SSH server", sent);
        counter(text, "sshtunnel_forward_received_bytes_total", "Bytes from the SSH server to clients", received);
        gauge(text, "sshtunnel_forward_probe_up", "1 while the forward's probe is Passing, 0 while Failing; absent while Unknown",
                probeUp);
        histogram(text, "sshtunnel_forward_probe_duration_seconds", "How long the forward's probes took to be answered "
                + "(reached, refused or timed out)", probeLatency);
        byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        send(exchange, 200, body);
    }

    /** Prometheus text format escaping of a label value. */
    private static String labelValue(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static void gauge(StringBuilder text, String name, String help, Map<String, Number> values) {
        family(text, name, help, "gauge", values);
    }

    private static void counter(StringBuilder text, String name, String help, Map<String, Number> values) {
        family(text, name, help, "counter", values);
    }

    private static void family(StringBuilder text, String name, String help, String type, Map<String, Number> values) {
        text.append("# HELP ").append(name).append(' ').append(help).append('\n');
        text.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        values.forEach((labels, value) -> text.append(name).append(labels.isEmpty() ? "" : "{" + labels + "}")
                .append(' ').append(value == null ? 0 : value).append('\n'));
    }

    private static void histogram(StringBuilder text, String name, String help, Map<String, ProbeLatency.Snapshot> values) {
        text.append("# HELP ").append(name).append(' ').append(help).append('\n');
        text.append("# TYPE ").append(name).append(" histogram\n");
        values.forEach((labels, h) -> {
            for (int i = 0; i < h.bounds().length; i++) {
                text.append(name).append("_bucket{").append(labels).append(",le=\"").append(h.bounds()[i]).append("\"} ")
                        .append(h.cumulative()[i]).append('\n');
            }
            text.append(name).append("_bucket{").append(labels).append(",le=\"+Inf\"} ").append(h.count()).append('\n');
            text.append(name).append("_sum{").append(labels).append("} ").append(h.sumSeconds()).append('\n');
            text.append(name).append("_count{").append(labels).append("} ").append(h.count()).append('\n');
        });
    }

    private static Map<String, Object> health(String status, List<Map<String, Object>> checks) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("checks", checks);
        return body;
    }

    private static Map<String, Object> check(String name, boolean up) {
        Map<String, Object> check = new LinkedHashMap<>();
        check.put("name", name);
        check.put("status", up ? "UP" : "DOWN");
        return check;
    }

    private static void json(HttpExchange exchange, int code, Object body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        send(exchange, code, JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int code, byte[] body) throws IOException {
        try (exchange) {
            exchange.sendResponseHeaders(code, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }
}
