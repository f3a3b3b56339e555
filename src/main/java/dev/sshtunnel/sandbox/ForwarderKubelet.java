package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

import dev.sshtunnel.config.ConfigException;
import dev.sshtunnel.config.TunnelConfigLoader;
import dev.sshtunnel.forwarder.ForwarderProcess;
import dev.sshtunnel.operator.ForwarderLabels;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Stands in for the deployment controller and the kubelet, for forwarder Deployments only: for
 * each replica it materialises the pod's ConfigMap and Secret volumes under a per-pod root (same
 * paths as in the container), runs the forwarder in this process with the container's arguments —
 * `0.0.0.0` becomes the pod's own loopback address (127.1.x.y) —, runs the readiness probe, and
 * writes the Pod and the Deployment status. A template change restarts the pods (a Recreate
 * rollout); a forwarder that cannot start is reported as CrashLoopBackOff with its error and
 * retried, like a container that exits. Not emulated: scheduling, resource limits, the security
 * context, liveness restarts, Secret updates reaching running pods.
 */
final class ForwarderKubelet implements AutoCloseable {

    private static final Duration RESTART_BACKOFF = Duration.ofSeconds(10);

    /** One forwarder "pod". */
    private static final class RunningPod {
        final String name;
        final String ip;
        final String template;
        final Map<String, String> labels;
        ForwarderProcess process;
        String waitingReason;
        String waitingMessage;
        Instant retryAt = Instant.EPOCH;
        boolean ready;
        int restarts;

        RunningPod(String name, String ip, String template, Map<String, String> labels) {
            this.name = name;
            this.ip = ip;
            this.template = template;
            this.labels = labels == null ? Map.of() : Map.copyOf(labels);
        }
    }

    private final KubernetesClient client;
    private final Path root;
    private final PodAddresses addresses;
    private final Consumer<String> log;
    private final Map<String, List<RunningPod>> pods = new HashMap<>();
    private final ExecutorService stopper = Executors.newCachedThreadPool(DaemonThreads.named("sandbox-pod-stop"));
    private final HttpClient probe = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private int podCounter;

    ForwarderKubelet(KubernetesClient client, Path root, PodAddresses addresses, Consumer<String> log) {
        this.client = client;
        this.root = root;
        this.addresses = addresses;
        this.log = log;
    }

    /** Level-triggered: brings the running forwarders in line with the Deployments as they are now. */
    synchronized void sync() {
        Map<String, Deployment> deployments = new LinkedHashMap<>();
        for (Deployment d : client.apps().deployments().inAnyNamespace().withLabel(ForwarderLabels.MANAGED_BY,
                ForwarderLabels.OPERATOR_NAME).list().getItems()) {
            deployments.put(key(d), d);
        }
        for (String gone : new ArrayList<>(pods.keySet())) {
            if (!deployments.containsKey(gone)) {
                pods.remove(gone).forEach(pod -> stop(gone.substring(0, gone.indexOf('/')), pod));
            }
        }
        deployments.forEach((key, deployment) -> {
            try {
                syncDeployment(key, deployment);
            } catch (KubernetesClientException e) {
                log.accept("kubelet: " + key + ": " + e.getMessage() + " (retrying)");
            }
        });
    }

    private void syncDeployment(String key, Deployment deployment) {
        String ns = deployment.getMetadata().getNamespace();
        String template = Serialization.asJson(deployment.getSpec().getTemplate());
        List<RunningPod> running = pods.computeIfAbsent(key, k -> new ArrayList<>());
        int wanted = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
        // Recreate rollout: old pods stop before new ones start, so no two hold the same remote port.
        running.removeIf(pod -> {
            boolean outdated = !pod.template.equals(template);
            if (outdated) {
                stop(ns, pod);
            }
            return outdated;
        });
        while (running.size() > wanted) {
            stop(ns, running.remove(running.size() - 1));
        }
        while (running.size() < wanted) {
            running.add(new RunningPod(deployment.getMetadata().getName() + "-" + Integer.toHexString(++podCounter),
                    addresses.next(), template, deployment.getSpec().getTemplate().getMetadata().getLabels()));
        }
        int ready = 0;
        for (RunningPod pod : running) {
            if (pod.process == null && !Instant.now().isBefore(pod.retryAt)) {
                start(deployment, pod);
            }
            pod.ready = pod.process != null && probeReady(pod);
            writePod(deployment, pod);
            ready += pod.ready ? 1 : 0;
        }
        writeDeploymentStatus(deployment, running.size(), ready);
    }

    private void start(Deployment deployment, RunningPod pod) {
        String ns = deployment.getMetadata().getNamespace();
        PodSpec spec = deployment.getSpec().getTemplate().getSpec();
        Container container = spec.getContainers().get(0);
        Path podRoot = root.resolve(ns).resolve(pod.name);
        try {
            for (VolumeMount mount : container.getVolumeMounts()) {
                Volume volume = spec.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                        .orElseThrow(() -> new IOException("volume " + mount.getName() + " is not defined"));
                VolumeFiles.materialise(client, ns, volume, mount, podRoot);
            }
        } catch (VolumeFiles.MissingSourceException e) {
            pod.waitingReason = "ContainerCreating";
            pod.waitingMessage = e.getMessage();
            pod.retryAt = Instant.now().plusSeconds(2);
            return;
        } catch (IOException e) {
            crashed(pod, "volume setup failed: " + e.getMessage());
            return;
        }
        ForwarderArguments args = ForwarderArguments.parse(container.getArgs());
        try {
            pod.process = new ForwarderProcess(
                    TunnelConfigLoader.load(podRoot.resolve(args.file().substring(1)), podRoot.resolve(args.secretsDir().substring(1))),
                    args.bindAddress().equals("0.0.0.0") ? pod.ip : args.bindAddress(), pod.ip, args.httpPort(),
                    Duration.ofSeconds(args.gracePeriodSeconds()));
            pod.waitingReason = null;
            pod.waitingMessage = null;
            log.accept("pod " + ns + "/" + pod.name + " started at " + pod.ip);
        } catch (ConfigException | IOException | RuntimeException e) {
            crashed(pod, "error: " + e.getMessage());
        }
    }

    private void crashed(RunningPod pod, String message) {
        pod.restarts++;
        pod.waitingReason = "CrashLoopBackOff";
        pod.waitingMessage = message;
        pod.retryAt = Instant.now().plus(RESTART_BACKOFF);
        log.accept("pod " + pod.name + " exited: " + message + " (restart in " + RESTART_BACKOFF.toSeconds() + "s)");
    }

    private boolean probeReady(RunningPod pod) {
        try {
            HttpResponse<Void> response = probe.send(HttpRequest.newBuilder(URI.create("http://" + pod.ip + ":"
                    + pod.process.httpPort() + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void writePod(Deployment deployment, RunningPod pod) {
        String ns = deployment.getMetadata().getNamespace();
        Pod existing = client.pods().inNamespace(ns).withName(pod.name).get();
        var containerStatus = new ContainerStatusBuilder().withName(deployment.getSpec().getTemplate().getSpec()
                .getContainers().get(0).getName()).withReady(pod.ready).withRestartCount(pod.restarts).withStarted(pod.process != null);
        if (pod.waitingReason != null) {
            containerStatus.withNewState().withNewWaiting().withReason(pod.waitingReason).withMessage(pod.waitingMessage)
                    .endWaiting().endState();
        } else {
            containerStatus.withNewState().withNewRunning().endRunning().endState();
        }
        String readyValue = pod.ready ? "True" : "False";
        if (existing != null && existing.getStatus() != null && Objects.equals(readyValue, readyCondition(existing))
                && Objects.equals(pod.waitingReason, waitingReason(existing))) {
            return;
        }
        Pod desired = new PodBuilder()
                .withNewMetadata().withName(pod.name).withNamespace(ns)
                    .withLabels(deployment.getSpec().getTemplate().getMetadata().getLabels())
                    .withAnnotations(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
                    .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
                            .withName(deployment.getMetadata().getName()).withUid(deployment.getMetadata().getUid())
                            .withController(true).build())
                .endMetadata()
                .withSpec(deployment.getSpec().getTemplate().getSpec())
                .withNewStatus()
                    .withPhase(pod.process != null ? "Running" : "Pending")
                    .withPodIP(pod.ip)
                    .withConditions(new PodConditionBuilder().withType("Ready").withStatus(readyValue)
                            .withLastTransitionTime(Instant.now().toString()).build())
                    .withContainerStatuses(containerStatus.build())
                .endStatus()
                .build();
        if (existing == null) {
            client.resource(desired).create();
        } else {
            desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
            desired.getMetadata().setUid(existing.getMetadata().getUid());
            desired.getMetadata().setCreationTimestamp(existing.getMetadata().getCreationTimestamp());
            client.resource(desired).update();
        }
    }

    private void writeDeploymentStatus(Deployment deployment, int replicas, int ready) {
        var status = new DeploymentStatusBuilder().withObservedGeneration(deployment.getMetadata().getGeneration())
                .withReplicas(replicas).withUpdatedReplicas(replicas).withReadyReplicas(ready).withAvailableReplicas(ready)
                .withUnavailableReplicas(replicas - ready).build();
        if (status.equals(deployment.getStatus())) {
            return;
        }
        deployment.setStatus(status);
        // A plain update: the mock does not tell watchers about /status writes of built-in kinds.
        client.resource(deployment).update();
    }

    private void stop(String namespace, RunningPod pod) {
        if (pod.process != null) {
            ForwarderProcess process = pod.process;
            pod.process = null;
            stopper.submit(process::close);
        }
        addresses.release(pod.ip);
        client.pods().inNamespace(namespace).withName(pod.name).delete();
        log.accept("pod " + namespace + "/" + pod.name + " stopped");
    }

    private static String readyCondition(Pod pod) {
        return pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).map(c -> c.getStatus())
                .findFirst().orElse(null);
    }

    private static String waitingReason(Pod pod) {
        return pod.getStatus().getContainerStatuses().stream().filter(s -> s.getState() != null && s.getState().getWaiting() != null)
                .map(s -> s.getState().getWaiting().getReason()).findFirst().orElse(null);
    }

    private static String key(Deployment d) {
        return d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
    }

    /** Ready pod IPs whose labels match a Service selector, for the Service proxy (called per connection). */
    synchronized List<String> readyPodIps(String namespace, Map<String, String> selector) {
        List<String> ips = new ArrayList<>();
        pods.forEach((key, list) -> {
            if (key.startsWith(namespace + "/")) {
                for (RunningPod pod : list) {
                    if (pod.ready && pod.process != null
                            && selector.entrySet().stream().allMatch(e -> e.getValue().equals(pod.labels.get(e.getKey())))) {
                        ips.add(pod.ip);
                    }
                }
            }
        });
        return ips;
    }

    @Override
    public synchronized void close() {
        List<ForwarderProcess> processes = new ArrayList<>();
        pods.values().forEach(list -> list.forEach(pod -> {
            if (pod.process != null) {
                processes.add(pod.process);
                pod.process = null;
            }
        }));
        pods.clear();
        processes.parallelStream().forEach(ForwarderProcess::close);
        stopper.shutdownNow();
    }
}
