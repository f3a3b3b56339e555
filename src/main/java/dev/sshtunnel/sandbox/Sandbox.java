package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A Kubernetes stand-in on this machine for trying the operator without a cluster: the mock API
 * server with the SshTunnel CRD, {@link ApiFront} for kubectl, and the controllers the operator
 * relies on — {@link ForwarderKubelet} (deployment controller + kubelet), {@link ServiceProxies}
 * (kube-proxy) and {@link GarbageCollector} — synced twice a second. The operator itself is not
 * started here: it runs against {@link #operatorApiUrl()} exactly as it runs in a cluster.
 */
public final class Sandbox implements AutoCloseable {

    /** Where and how the sandbox listens. */
    public record Options(Path workDir, int apiPort, String serviceAddress, boolean runPods) {
    }

    public static final String OPERATOR_NAMESPACE = "sshtunnel-system";

    private final MockApiServer api;
    private final ApiFront front;
    private final ForwarderKubelet kubelet;
    private final ServiceProxies proxies;
    private final GarbageCollector collector;
    private final ScheduledExecutorService loop =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sandbox-controllers"));
    private final Path kubeconfig;
    private final boolean runPods;

    private Sandbox(Options options, Consumer<String> log) throws IOException {
        Files.createDirectories(options.workDir());
        runPods = options.runPods();
        api = MockApiServer.start("default", OPERATOR_NAMESPACE);
        try {
            front = new ApiFront(api.url(), "127.0.0.1", options.apiPort(), Clock.systemUTC());
            kubeconfig = options.workDir().resolve("kubeconfig");
            Files.writeString(kubeconfig, front.kubeconfig());
            kubelet = new ForwarderKubelet(api.client(), options.workDir().resolve("pods"), new PodAddresses(), log);
            proxies = new ServiceProxies(api.client(), kubelet, options.serviceAddress(), log);
            collector = new GarbageCollector(api.client(), log);
        } catch (IOException | RuntimeException e) {
            api.close();
            throw e;
        }
        loop.scheduleWithFixedDelay(() -> {
            try {
                if (runPods) {
                    kubelet.sync();
                    proxies.sync();
                }
                collector.sweep();
            } catch (RuntimeException e) {
                log.accept("controllers: " + e);
            }
        }, 0, 500, TimeUnit.MILLISECONDS);
    }

    public static Sandbox start(Options options, Consumer<String> log) throws IOException {
        return new Sandbox(options, log);
    }

    /** For kubectl: `export KUBECONFIG=...`. */
    public Path kubeconfig() {
        return kubeconfig;
    }

    public String kubectlUrl() {
        return front.url();
    }

    /** For the operator: the API server without the kubectl front (it watches over WebSocket). */
    public String operatorApiUrl() {
        return api.url();
    }

    /** Configuration that points an operator in this JVM at the sandbox. */
    public Map<String, String> operatorProperties() {
        return Map.of(
                // The `sandbox` profile: no leader election (prod only), quieter mock server logs.
                "quarkus.profile", "sandbox",
                "quarkus.kubernetes-client.api-server-url", operatorApiUrl(),
                "quarkus.kubernetes-client.trust-certs", "true",
                "quarkus.kubernetes-client.token", "sandbox",
                "quarkus.kubernetes-client.namespace", OPERATOR_NAMESPACE,
                "sshtunnel.operator-namespace", OPERATOR_NAMESPACE,
                "quarkus.http.host", "127.0.0.1");
    }

    @Override
    public void close() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        proxies.close();
        kubelet.close();
        front.close();
        api.close();
    }
}
