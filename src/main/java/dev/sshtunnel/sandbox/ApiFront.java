package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.config.validation.CrdSchema;

/**
 * What kubectl talks to in the sandbox: an HTTP front of the mock API server that adds what the
 * mock lacks and kubectl needs — discovery documents, server-side Tables (printer columns), watches
 * over HTTP streaming (the mock serves them over WebSocket only), field selectors, and for
 * SshTunnels the API server's admission: schema and CEL validation, defaults, and the generation
 * bump on spec changes. Every other request goes to the mock unchanged.
 */
public final class ApiFront implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SSHTUNNEL_PATH = Pattern.compile(
            "^/apis/" + Pattern.quote(SshTunnel.API_VERSION) + "/namespaces/([^/]+)/sshtunnels(?:/([^/]+))?(/status)?$");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(DaemonThreads.named("sandbox-api-front"));
    private final String upstream;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Admission admission = new Admission();
    private final PrinterColumns sshTunnelColumns;
    private final Clock clock;

    public ApiFront(String upstreamUrl, String address, int port, Clock clock) throws IOException {
        this.upstream = upstreamUrl.replaceAll("/$", "");
        this.clock = clock;
        this.sshTunnelColumns = PrinterColumns.fromCrdVersion(crdVersion());
        this.server = HttpServer.create(new InetSocketAddress(address, port), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public ApiFront(String upstreamUrl) throws IOException {
        this(upstreamUrl, "127.0.0.1", 0, Clock.systemUTC());
    }

    private static JsonNode crdVersion() {
        try (InputStream in = ApiFront.class.getClassLoader().getResourceAsStream(CrdSchema.RESOURCE)) {
            return new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(in)
                    .path("spec").path("versions").path(0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + CrdSchema.RESOURCE, e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A kubeconfig whose current context is this front. */
    public String kubeconfig() {
        return """
                apiVersion: v1
                kind: Config
                clusters: [{name: sshtunnel-sandbox, cluster: {server: "%s"}}]
                users: [{name: sandbox, user: {token: sandbox}}]
                contexts: [{name: sshtunnel-sandbox, context: {cluster: sshtunnel-sandbox, user: sandbox, namespace: default}}]
                current-context: sshtunnel-sandbox
                """.formatted(url());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            URI uri = exchange.getRequestURI();
            String path = uri.getPath().replaceAll("/$", "");
            String discovery = DiscoveryDocuments.get(path);
            if (discovery != null && "GET".equals(method)) {
                respond(exchange, 200, discovery.getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (path.startsWith("/openapi")) {
                respond(exchange, 404, status(404, "NotFound", "the sandbox API serves OpenAPI v3 for kubectl's parameter check only"));
                return;
            }
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            if (contentType != null && contentType.contains("protobuf")) {
                respond(exchange, 415, status(415, "UnsupportedMediaType", "the sandbox API server reads JSON only, and "
                        + "kubectl create sends protobuf for built-in kinds: write the object as YAML and use kubectl apply, "
                        + "e.g. kubectl create secret generic NAME --from-file=... --dry-run=client -o yaml | kubectl apply -f -"));
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            boolean wantsTable = accepts(exchange, "as=Table");
            if ("GET".equals(method) && isWatch(uri.getRawQuery())) {
                streamWatch(exchange, uri, wantsTable, path);
                return;
            }
            Matcher tunnel = SSHTUNNEL_PATH.matcher(path);
            if (tunnel.matches() && tunnel.group(3) == null && List.of("POST", "PUT", "PATCH").contains(method)) {
                Admission.Result admitted = admission.admit(method, tunnel.group(1), tunnel.group(2),
                        exchange.getRequestHeaders().getFirst("Content-Type"), body, this::getJson);
                if (admitted.refusal() != null) {
                    respond(exchange, admitted.code(), admitted.refusal());
                    return;
                }
                forward(exchange, admitted.method(), uri, admitted.body(), "application/json", false, path);
                return;
            }
            forward(exchange, method, uri, body, contentType,
                    wantsTable && "GET".equals(method), path);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void forward(HttpExchange exchange, String method, URI uri, byte[] body, String contentType, boolean asTable,
            String path) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(upstream + uri.getRawPath()
                + FieldSelector.removedFrom(uri.getRawQuery())))
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        byte[] out = response.body();
        if ("GET".equals(method) && response.statusCode() == 200 && out.length > 0) {
            JsonNode document = JSON.readTree(out);
            FieldSelector selector = FieldSelector.fromQuery(uri.getRawQuery());
            if (document.has("items") && !selector.isEmpty()) {
                ObjectNode filtered = ((ObjectNode) document);
                List<JsonNode> kept = new ArrayList<>();
                document.path("items").forEach(item -> {
                    if (selector.matches(item)) {
                        kept.add(item);
                    }
                });
                filtered.putArray("items").addAll(kept);
                document = filtered;
            }
            String kind = DiscoveryDocuments.kindOf(resourceOf(path));
            if (document.has("items") && kind != null) {
                // The mock answers kind "List"; typed clients (kubectl describe's events) want EventList.
                ((ObjectNode) document).put("kind", kind + "List");
            }
            if (asTable) {
                document = table(document, path, true);
            }
            out = JSON.writeValueAsBytes(document);
        }
        respond(exchange, response.statusCode(), out);
    }

    private JsonNode table(JsonNode document, String path, boolean withColumns) {
        List<JsonNode> objects = new ArrayList<>();
        if (document.has("items")) {
            document.path("items").forEach(objects::add);
        } else {
            objects.add(document);
        }
        PrinterColumns columns = path.contains("/sshtunnels") ? sshTunnelColumns : PrinterColumns.forResource(resourceOf(path));
        return columns.table(objects, withColumns, document.path("metadata").path("resourceVersion").asText(null),
                clock.instant());
    }

    /** The plural resource name in an API path (/api/v1/namespaces/ns/pods/x -> pods). */
    static String resourceOf(String path) {
        String[] segments = path.replaceFirst("^/", "").split("/");
        int start = segments[0].equals("api") ? 2 : 3;
        if (segments.length > start + 1 && segments[start].equals("namespaces")) {
            start += 2;
        }
        return segments.length > start ? segments[start] : "";
    }

    private JsonNode getJson(String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(upstream + path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
    }

    /**
     * A watch as the API server streams it (one JSON event per line, chunked), fed by the mock's
     * WebSocket watch; ends when kubectl hangs up, the mock closes, or timeoutSeconds passes.
     */
    private void streamWatch(HttpExchange exchange, URI uri, boolean asTable, String path) throws IOException, InterruptedException {
        FieldSelector selector = FieldSelector.fromQuery(uri.getRawQuery());
        long sinceVersion = queryNumber(uri.getRawQuery(), "resourceVersion", 0);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Transfer-Encoding", "chunked");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        CompletableFuture<Void> done = new CompletableFuture<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder message = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                message.append(data);
                if (last) {
                    String text = message.toString();
                    message.setLength(0);
                    try {
                        JsonNode event = JSON.readTree(text);
                        JsonNode object = event.path("object");
                        // The mock replays every object as ADDED, even those the client listed already.
                        boolean seen = "ADDED".equals(event.path("type").asText()) && sinceVersion > 0
                                && object.path("metadata").path("resourceVersion").asLong(Long.MAX_VALUE) <= sinceVersion;
                        if (!seen && selector.matches(object)) {
                            if (asTable && !"ERROR".equals(event.path("type").asText())) {
                                ((ObjectNode) event).set("object", table(object, path, true));
                            }
                            synchronized (out) {
                                out.write(JSON.writeValueAsBytes(event));
                                out.write('\n');
                                out.flush();
                            }
                        }
                    } catch (IOException e) {
                        done.complete(null); // kubectl went away
                    }
                }
                socket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
                done.complete(null);
                return null;
            }

            @Override
            public void onError(WebSocket socket, Throwable error) {
                done.complete(null);
            }
        };
        WebSocket socket;
        try {
            socket = http.newWebSocketBuilder().buildAsync(URI.create(upstream.replaceFirst("^http", "ws") + uri.getRawPath()
                    + FieldSelector.removedFrom(uri.getRawQuery())), listener).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            out.close();
            return;
        }
        long timeout = queryNumber(uri.getRawQuery(), "timeoutSeconds", 1800);
        try {
            done.get(timeout, TimeUnit.SECONDS);
        } catch (Exception e) {
            // timeoutSeconds reached: end the watch the way the API server does, by closing the stream
        } finally {
            socket.abort();
            out.close();
        }
    }

    private static boolean isWatch(String query) {
        return query != null && (query.contains("watch=true") || query.contains("watch=1"));
    }

    private static long queryNumber(String query, String name, long fallback) {
        Matcher m = Pattern.compile("(?:^|&)" + name + "=(\\d+)").matcher(query == null ? "" : query);
        return m.find() ? Long.parseLong(m.group(1)) : fallback;
    }

    private static boolean accepts(HttpExchange exchange, String fragment) {
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        return accept != null && accept.contains(fragment);
    }

    static byte[] status(int code, String reason, String message) {
        ObjectNode status = JSON.createObjectNode();
        status.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
        status.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
        try {
            return JSON.writeValueAsBytes(status);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
