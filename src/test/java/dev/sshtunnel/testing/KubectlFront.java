package dev.sshtunnel.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Lets the real kubectl talk to the Fabric8 mock API server: answers the discovery documents the
 * mock lacks (/version, /api, /apis and the resource lists of the groups used here) and forwards
 * every other request to the mock unchanged. Not emulated: server-side tables, OpenAPI, watches
 * over HTTP streaming (so no `kubectl get -w` or `kubectl wait`), aggregated discovery.
 */
public final class KubectlFront implements AutoCloseable {

    private static final Map<String, String> DISCOVERY = Map.of(
            "/version", """
                    {"major":"1","minor":"32","gitVersion":"v1.32.0","platform":"linux/amd64"}""",
            "/api", """
                    {"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1"}]}""",
            "/apis", """
                    {"kind":"APIGroupList","apiVersion":"v1","groups":[
                     {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},
                     {"name":"sshtunnel.dev","versions":[{"groupVersion":"sshtunnel.dev/v1alpha1","version":"v1alpha1"}],"preferredVersion":{"groupVersion":"sshtunnel.dev/v1alpha1","version":"v1alpha1"}}]}""",
            "/api/v1", """
                    {"kind":"APIResourceList","groupVersion":"v1","resources":[
                     {"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":["get","list","create","update","delete"]},
                     {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret","verbs":["get","list","create","update","delete"]},
                     {"name":"services","singularName":"service","namespaced":true,"kind":"Service","verbs":["get","list","create","update","delete"]},
                     {"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list","create","update","delete"]},
                     {"name":"namespaces","singularName":"namespace","namespaced":false,"kind":"Namespace","verbs":["get","list","create"]}]}""",
            "/apis/apps/v1", """
                    {"kind":"APIResourceList","groupVersion":"apps/v1","resources":[
                     {"name":"deployments","singularName":"deployment","namespaced":true,"kind":"Deployment","verbs":["get","list","create","update","delete"]}]}""",
            "/apis/sshtunnel.dev/v1alpha1", """
                    {"kind":"APIResourceList","groupVersion":"sshtunnel.dev/v1alpha1","resources":[
                     {"name":"sshtunnels","singularName":"sshtunnel","namespaced":true,"kind":"SshTunnel","shortNames":["sst","sshtun"],"verbs":["get","list","create","update","patch","delete"]},
                     {"name":"sshtunnels/status","singularName":"","namespaced":true,"kind":"SshTunnel","verbs":["get","update","patch"]}]}""");

    private final HttpServer server;
    private final String upstream;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public KubectlFront(String upstreamUrl) throws IOException {
        this.upstream = upstreamUrl.replaceAll("/$", "");
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A kubeconfig for this front, for kubectl --kubeconfig. */
    public Path writeKubeconfig(Path file) throws IOException {
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "%s"}}]
                users: [{name: test, user: {token: test}}]
                contexts: [{name: mock, context: {cluster: mock, user: test}}]
                current-context: mock
                """.formatted(url()));
        return file;
    }

    /** Runs kubectl against this front; returns stdout, failing with stderr when kubectl fails. */
    public String kubectl(Path kubeconfig, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + err);
        }
        return out;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String discovery = DISCOVERY.get(path.replaceAll("/$", ""));
            if (discovery != null && "GET".equals(exchange.getRequestMethod())) {
                respond(exchange, 200, "application/json", discovery.getBytes(StandardCharsets.UTF_8));
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(upstream + exchange.getRequestURI()))
                    .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            if (contentType != null) {
                request.header("Content-Type", contentType);
            }
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            respond(exchange, response.statusCode(), response.headers().firstValue("Content-Type").orElse("application/json"),
                    response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
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
    }
}
