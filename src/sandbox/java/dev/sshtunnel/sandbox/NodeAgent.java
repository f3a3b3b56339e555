package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.sshtunnel.config.ConfigException;
import dev.sshtunnel.config.SecretFiles;
import dev.sshtunnel.config.TunnelConfigLoader;
import dev.sshtunnel.forwarder.ForwarderProcess;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIPBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * Stands in for the kubelet and the container runtime on one Node of the real control plane. It
 * registers the Node (Ready, heart-beating every 10 s), and runs the pods the scheduler binds to it
 * whose container has the image it can run — the operator's own image, i.e. this program: the
 * forwarder then runs in this process with the container's own arguments, its ConfigMap and Secret
 * volumes written under a per-pod root with the pod's modes, and `0.0.0.0` replaced by the pod's
 * own address in 127.1.0.0/16. It refreshes those volumes in place as the kubelet does ({@link #VOLUME_SYNC}),
 * runs the readiness and liveness probes as declared, restarts the
 * container after failed liveness probes or a crash (with backoff, counting restarts), writes the
 * status through {@code pods/status} as the kubelet does, and on deletion stops the forwarder within
 * the grace period of its container's {@code --grace-period} argument (SIGTERM semantics: stop accepting,
 * drain) before removing the pod. Any other image gets an honest waiting reason ({@value #NOT_RUNNABLE}) and never runs.
 * Not emulated: container isolation, resource limits, the security context, the pod's
 * terminationGracePeriodSeconds, init containers, more than one container.
 */
final class NodeAgent implements AutoCloseable {

    static final String NOT_RUNNABLE = "ImageNotRunnableHere";
    private static final Duration RESTART_BACKOFF = Duration.ofSeconds(10);
    private static final Duration HEARTBEAT = Duration.ofSeconds(10);
    private static final Duration STOP_GRACE = Duration.ofSeconds(2);
    /**
     * When the ConfigMap and Secret volumes of a running pod are brought up to date, as the kubelet
     * does: on its periodic pod sync (syncFrequency, default 1 min) and at once when the pod object's
     * spec, labels or annotations change (the kubelet ignores status-only updates).
     */
    static final Duration VOLUME_SYNC = Duration.ofMinutes(1);

    /** The container of one pod, as this agent runs it. */
    private static final class RunningPod {
        final String namespace;
        final String name;
        final String uid;
        final String ip;
        final Instant startTime = Instant.now();
        ForwarderProcess process;
        Instant startedAt;
        String waitingReason = "ContainerCreating";
        String waitingMessage;
        Instant retryAt = Instant.EPOCH;
        boolean ready;
        int restarts;
        int livenessFailures;
        Instant nextReadinessProbe = Instant.EPOCH;
        Instant nextLivenessProbe = Instant.EPOCH;
        Instant nextVolumeSync = Instant.EPOCH;
        String syncedObject;
        boolean stopping;

        RunningPod(Pod pod, String ip) {
            namespace = pod.getMetadata().getNamespace();
            name = pod.getMetadata().getName();
            uid = pod.getMetadata().getUid();
            this.ip = ip;
        }
    }

    private final KubernetesClient client;
    private final String nodeName;
    private final String runnableImage;
    private final Path root;
    private final PodAddresses addresses;
    private final Consumer<String> log;
    private final Map<String, RunningPod> pods = new HashMap<>();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("node-agent"));
    private final ExecutorService stopper = Executors.newCachedThreadPool(DaemonThreads.named("node-agent-pod-stop"));
    private final HttpClient probe = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final SharedIndexInformer<Pod> informer;
    private Instant nextHeartbeat = Instant.EPOCH;

    NodeAgent(KubernetesClient nodeClient, String nodeName, String runnableImage, Path root, PodAddresses addresses,
            Consumer<String> log) {
        this.client = nodeClient;
        this.nodeName = nodeName;
        this.runnableImage = runnableImage;
        this.root = root;
        this.addresses = addresses;
        this.log = log;
        register();
        informer = client.pods().inAnyNamespace().withField("spec.nodeName", nodeName).inform();
        loop.scheduleWithFixedDelay(this::syncQuietly, 0, 250, TimeUnit.MILLISECONDS);
    }

    private void register() {
        Node node = client.nodes().withName(nodeName).get();
        if (node == null) {
            node = client.resource(new NodeBuilder().withNewMetadata().withName(nodeName)
                    .addToLabels("kubernetes.io/hostname", nodeName).addToLabels("kubernetes.io/os", "linux")
                    .addToLabels("kubernetes.io/arch", "amd64").endMetadata().withNewSpec().endSpec().build()).create();
            log.accept("node " + nodeName + " registered");
        }
        heartbeat();
    }

    /**
     * A merge patch of the status alone, without a resourceVersion, as the kubelet patches its node: a PUT of the
     * whole node raced the node lifecycle controller, and a taint it added meanwhile (not-ready, at registration)
     * made NodeRestriction refuse the PUT ("node is not allowed to modify taints"), failing the sandbox's start
     * on a loaded machine.
     */
    private void heartbeat() {
        Node current = client.nodes().withName(nodeName).get();
        Node patch = new NodeBuilder().withNewMetadata().withName(nodeName).endMetadata()
                .withStatus(status(current, Instant.now().toString())).build();
        client.nodes().withName(nodeName).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        nextHeartbeat = Instant.now().plus(HEARTBEAT);
    }

    private NodeStatus status(Node node, String now) {
        Map<String, Quantity> capacity = Map.of("cpu", new Quantity("64"), "memory", new Quantity("256Gi"),
                "pods", new Quantity("2000"), "ephemeral-storage", new Quantity("100Gi"));
        List<NodeCondition> conditions = new ArrayList<>();
        for (String pressure : List.of("MemoryPressure", "DiskPressure", "PIDPressure")) {
            conditions.add(condition(node, pressure, "False", "KubeletHasNo" + pressure, "no " + pressure, now));
        }
        conditions.add(condition(node, "Ready", "True", "KubeletReady",
                "sandbox node agent is posting ready status (forwarder pods run in-process)", now));
        return new NodeStatusBuilder().withCapacity(capacity).withAllocatable(capacity)
                .withConditions(conditions)
                .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
                .addNewAddress().withType("Hostname").withAddress(nodeName).endAddress()
                .withNewNodeInfo().withArchitecture("amd64").withOperatingSystem("linux")
                    .withKubeletVersion("sandbox-node-agent").withKubeProxyVersion("").withContainerRuntimeVersion("in-process://java")
                    .withOsImage(System.getProperty("os.name")).withKernelVersion(System.getProperty("os.version"))
                    .withMachineID("").withSystemUUID("").withBootID("").endNodeInfo()
                .build();
    }

    private static NodeCondition condition(Node node, String type, String status, String reason, String message, String now) {
        String since = node.getStatus() == null || node.getStatus().getConditions() == null ? now
                : node.getStatus().getConditions().stream().filter(c -> type.equals(c.getType()) && status.equals(c.getStatus()))
                        .map(NodeCondition::getLastTransitionTime).findFirst().orElse(now);
        return new NodeConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastHeartbeatTime(now).withLastTransitionTime(since).build();
    }

    private void syncQuietly() {
        try {
            sync();
        } catch (RuntimeException e) {
            log.accept("node agent: " + e.getMessage() + " (retrying)");
        }
    }

    /** Level-triggered: brings what runs here in line with the pods bound to this node as they are now. */
    private synchronized void sync() {
        if (Instant.now().isAfter(nextHeartbeat)) {
            heartbeat();
        }
        Map<String, Pod> bound = new HashMap<>();
        for (Pod pod : informer.getStore().list()) {
            bound.put(pod.getMetadata().getUid(), pod);
        }
        for (String gone : new ArrayList<>(pods.keySet())) {
            if (!bound.containsKey(gone)) {
                stopContainer(pods.remove(gone), null); // deleted without us: stop at once
            }
        }
        for (Pod pod : bound.values()) {
            try {
                syncPod(pod);
            } catch (KubernetesClientException e) {
                log.accept("node agent: pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName() + ": "
                        + e.getMessage() + " (retrying)");
            }
        }
    }

    private void syncPod(Pod pod) {
        String uid = pod.getMetadata().getUid();
        RunningPod running = pods.get(uid);
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            if (running == null) {
                forceDelete(pod);
            } else if (!running.stopping) {
                running.stopping = true;
                stopContainer(running, () -> {
                    synchronized (this) {
                        pods.remove(uid);
                    }
                    forceDelete(pod);
                });
            }
            return;
        }
        if ("Succeeded".equals(pod.getStatus().getPhase()) || "Failed".equals(pod.getStatus().getPhase())) {
            return;
        }
        if (running == null) {
            running = new RunningPod(pod, addresses.next());
            pods.put(uid, running);
        }
        Container container = pod.getSpec().getContainers().get(0);
        if (!runnableImage.equals(container.getImage())) {
            running.waitingReason = NOT_RUNNABLE;
            running.waitingMessage = "the sandbox node agent runs only the operator's own image " + runnableImage
                    + " (in-process); this pod asks for " + container.getImage();
        } else {
            if (running.process == null && !Instant.now().isBefore(running.retryAt)) {
                startContainer(pod, container, running);
            }
            if (running.process != null) {
                syncVolumes(pod, container, running);
                probe(pod, container, running);
            }
        }
        writeStatus(pod, container, running);
    }

    private void startContainer(Pod pod, Container container, RunningPod running) {
        Path podRoot = root.resolve(running.namespace).resolve(running.name);
        try {
            for (VolumeMount mount : container.getVolumeMounts()) {
                Volume volume = volumeOf(pod, mount)
                        .orElseThrow(() -> new IOException("volume " + mount.getName() + " is not defined"));
                VolumeFiles.materialise(client, running.namespace, volume, mount, podRoot);
            }
        } catch (VolumeFiles.MissingSourceException e) {
            running.waitingReason = "ContainerCreating";
            running.waitingMessage = "MountVolume.SetUp failed: " + e.getMessage();
            running.retryAt = Instant.now().plusSeconds(2);
            return;
        } catch (IOException | KubernetesClientException e) {
            crashed(running, "volume setup failed: " + e.getMessage());
            return;
        }
        try {
            ForwarderArguments args = ForwarderArguments.parse(container.getArgs());
            Path document = podRoot.resolve(args.file().substring(1));
            Path secrets = podRoot.resolve(args.secretsDir().substring(1));
            TunnelConfigLoader loader = new TunnelConfigLoader(new SecretFiles(secrets),
                    args.admitted() ? TunnelConfigLoader.Admission.ADMITTED : TunnelConfigLoader.Admission.CHECK_CRD_RULES);
            running.process = new ForwarderProcess(loader.load(document),
                    args.bindAddress().equals("0.0.0.0") ? running.ip : args.bindAddress(), running.ip, args.httpPort(),
                    Duration.ofSeconds(args.gracePeriodSeconds()), args.targetPolicy());
            running.process.watch(document, secrets, loader, ForwarderProcess.WATCH_INTERVAL);
            // In whole seconds, as the API server stores it: otherwise the state written never equals the state read
            // back, and every probe (each pod every 2 s) rewrote the pod's status — a kubelet writes on change only.
            running.startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            running.waitingReason = null;
            running.waitingMessage = null;
            running.livenessFailures = 0;
            running.ready = false;
            Instant first = Instant.now();
            running.nextReadinessProbe = first.plusSeconds(delay(container.getReadinessProbe()));
            running.nextLivenessProbe = first.plusSeconds(delay(container.getLivenessProbe()));
            log.accept("pod " + running.namespace + "/" + running.name + " started at " + running.ip);
        } catch (ConfigException | IOException | RuntimeException e) {
            crashed(running, "error: " + e.getMessage());
        }
    }

    /** Updates ConfigMap and Secret volumes in place ({@link #VOLUME_SYNC}); subPath mounts keep what they had. */
    private void syncVolumes(Pod pod, Container container, RunningPod running) {
        String object = String.valueOf(pod.getMetadata().getAnnotations()) + pod.getMetadata().getLabels();
        if (Instant.now().isBefore(running.nextVolumeSync) && object.equals(running.syncedObject)) {
            return;
        }
        running.syncedObject = object;
        running.nextVolumeSync = Instant.now().plus(VOLUME_SYNC);
        Path podRoot = root.resolve(running.namespace).resolve(running.name);
        for (VolumeMount mount : container.getVolumeMounts()) {
            if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
                continue;
            }
            volumeOf(pod, mount).filter(v -> v.getConfigMap() != null || v.getSecret() != null)
                    .ifPresent(volume -> {
                        try {
                            VolumeFiles.materialise(client, running.namespace, volume, mount, podRoot);
                        } catch (VolumeFiles.MissingSourceException | IOException | KubernetesClientException e) {
                            // The kubelet keeps the last content when a source goes away or cannot be read.
                            log.accept("pod " + running.namespace + "/" + running.name + ": volume " + volume.getName()
                                    + " not refreshed: " + e.getMessage());
                        }
                    });
        }
    }

    private static Optional<Volume> volumeOf(Pod pod, VolumeMount mount) {
        return pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst();
    }

    private void crashed(RunningPod running, String message) {
        running.restarts++;
        running.waitingReason = "CrashLoopBackOff";
        running.waitingMessage = message;
        running.retryAt = Instant.now().plus(RESTART_BACKOFF);
        log.accept("pod " + running.namespace + "/" + running.name + " exited: " + message + " (restart in "
                + RESTART_BACKOFF.toSeconds() + "s)");
    }

    private void probe(Pod pod, Container container, RunningPod running) {
        Instant now = Instant.now();
        Probe readiness = container.getReadinessProbe();
        if (readiness == null) {
            running.ready = true;
        } else if (!now.isBefore(running.nextReadinessProbe)) {
            running.ready = succeeds(container, readiness, running);
            running.nextReadinessProbe = now.plusSeconds(period(readiness));
        }
        Probe liveness = container.getLivenessProbe();
        if (liveness != null && !now.isBefore(running.nextLivenessProbe)) {
            running.nextLivenessProbe = now.plusSeconds(period(liveness));
            running.livenessFailures = succeeds(container, liveness, running) ? 0 : running.livenessFailures + 1;
            int threshold = liveness.getFailureThreshold() == null ? 3 : liveness.getFailureThreshold();
            if (running.livenessFailures >= threshold) {
                log.accept("pod " + running.namespace + "/" + running.name + ": liveness probe failed " + threshold
                        + " times, restarting the container");
                ForwarderProcess process = running.process;
                running.process = null;
                running.ready = false;
                stopper.submit(process::close);
                crashed(running, "liveness probe failed");
            }
        }
    }

    private boolean succeeds(Container container, Probe probe, RunningPod running) {
        if (probe.getHttpGet() == null) {
            return true; // only httpGet probes are declared by the operator
        }
        int port = probe.getHttpGet().getPort().getIntVal() != null ? probe.getHttpGet().getPort().getIntVal()
                : container.getPorts().stream().filter(p -> probe.getHttpGet().getPort().getStrVal().equals(p.getName()))
                        .map(ContainerPort::getContainerPort).findFirst().orElse(-1);
        int timeout = probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds();
        try {
            HttpResponse<Void> response = this.probe.send(HttpRequest.newBuilder(URI.create("http://" + running.ip + ":" + port
                    + probe.getHttpGet().getPath())).timeout(Duration.ofSeconds(timeout)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() >= 200 && response.statusCode() < 400;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int delay(Probe probe) {
        return probe == null || probe.getInitialDelaySeconds() == null ? 0 : probe.getInitialDelaySeconds();
    }

    private static int period(Probe probe) {
        return probe.getPeriodSeconds() == null ? 10 : probe.getPeriodSeconds();
    }

    private void writeStatus(Pod pod, Container container, RunningPod running) {
        PodStatus current = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        boolean started = running.process != null;
        String readyValue = running.ready && started ? "True" : "False";
        ContainerStatusBuilder containerStatus = new ContainerStatusBuilder().withName(container.getName())
                .withImage(container.getImage()).withImageID(started ? container.getImage() : "")
                .withReady("True".equals(readyValue)).withStarted(started).withRestartCount(running.restarts);
        if (started) {
            containerStatus.withContainerID("in-process://" + running.uid + "/" + running.restarts)
                    .withNewState().withNewRunning().withStartedAt(running.startedAt.toString()).endRunning().endState();
        } else {
            containerStatus.withNewState().withNewWaiting().withReason(running.waitingReason).withMessage(running.waitingMessage)
                    .endWaiting().endState();
        }
        ContainerStatus newContainer = containerStatus.build();
        String phase = started || running.restarts > 0 ? "Running" : "Pending";
        List<PodCondition> conditions = new ArrayList<>();
        conditions.add(podCondition(current, "PodReadyToStartContainers", "True"));
        conditions.add(podCondition(current, "Initialized", "True"));
        conditions.add(podCondition(current, "Ready", readyValue));
        conditions.add(podCondition(current, "ContainersReady", readyValue));
        conditions.add(podCondition(current, "PodScheduled", "True"));
        ContainerStatus oldContainer = current.getContainerStatuses() == null || current.getContainerStatuses().isEmpty() ? null
                : current.getContainerStatuses().get(0);
        if (Objects.equals(phase, current.getPhase()) && Objects.equals(running.ip, current.getPodIP())
                && sameConditions(conditions, current.getConditions()) && sameContainer(newContainer, oldContainer)) {
            return;
        }
        current.setPhase(phase);
        current.setHostIP("127.0.0.1");
        current.setHostIPs(List.of(new HostIPBuilder().withIp("127.0.0.1").build()));
        current.setPodIP(running.ip);
        current.setPodIPs(List.of(new PodIPBuilder().withIp(running.ip).build()));
        current.setStartTime(running.startTime.toString());
        current.setConditions(conditions);
        current.setContainerStatuses(List.of(newContainer));
        pod.setStatus(current);
        client.pods().inNamespace(running.namespace).resource(pod).updateStatus();
    }

    private static PodCondition podCondition(PodStatus current, String type, String status) {
        String now = Instant.now().toString();
        String since = current.getConditions() == null ? now : current.getConditions().stream()
                .filter(c -> type.equals(c.getType()) && status.equals(c.getStatus())).map(PodCondition::getLastTransitionTime)
                .filter(Objects::nonNull).findFirst().orElse(now);
        return new PodConditionBuilder().withType(type).withStatus(status).withLastTransitionTime(since).build();
    }

    private static boolean sameConditions(List<PodCondition> wanted, List<PodCondition> current) {
        if (current == null) {
            return false;
        }
        for (PodCondition c : wanted) {
            if (current.stream().noneMatch(o -> c.getType().equals(o.getType()) && c.getStatus().equals(o.getStatus()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameContainer(ContainerStatus wanted, ContainerStatus current) {
        return current != null && Objects.equals(wanted.getReady(), current.getReady())
                && Objects.equals(wanted.getRestartCount(), current.getRestartCount())
                && Objects.equals(wanted.getStarted(), current.getStarted())
                && Objects.equals(wanted.getState(), current.getState());
    }

    private void stopContainer(RunningPod running, Runnable then) {
        ForwarderProcess process = running.process;
        running.process = null;
        running.ready = false;
        stopper.submit(() -> {
            try {
                if (process != null) {
                    process.close(); // SIGTERM semantics: stop accepting, drain within the grace period
                    log.accept("pod " + running.namespace + "/" + running.name + " stopped");
                }
            } finally {
                addresses.release(running.ip);
                if (then != null) {
                    then.run();
                }
            }
        });
    }

    private void forceDelete(Pod pod) {
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            log.accept("node agent: cannot remove pod " + pod.getMetadata().getName() + ": " + e.getMessage());
        }
    }

    /** The number of a named container port on a pod bound here that matches the selector, or null. */
    Integer namedPort(String namespace, Map<String, String> selector, String name) {
        for (Pod pod : informer.getStore().list()) {
            if (namespace.equals(pod.getMetadata().getNamespace()) && matches(pod, selector)) {
                for (Container container : pod.getSpec().getContainers()) {
                    for (ContainerPort port : container.getPorts()) {
                        if (name.equals(port.getName())) {
                            return port.getContainerPort();
                        }
                    }
                }
            }
        }
        return null;
    }

    private static boolean matches(Pod pod, Map<String, String> selector) {
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        return selector != null && !selector.isEmpty()
                && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /**
     * Ready pods' addresses by namespace and labels, as kube-proxy picks EndpointSlice endpoints for
     * new connections: a terminating pod (deletionTimestamp set) or an unready one gets none, even
     * before its process stops. No fallback to terminating endpoints when none is ready.
     */
    List<String> readyPodIps(String namespace, Map<String, String> selector) {
        List<String> ips = new ArrayList<>();
        for (Pod pod : informer.getStore().list()) {
            if (namespace.equals(pod.getMetadata().getNamespace()) && pod.getMetadata().getDeletionTimestamp() == null
                    && pod.getStatus() != null && pod.getStatus().getPodIP() != null && pod.getStatus().getConditions() != null
                    && pod.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))
                    && matches(pod, selector)) {
                ips.add(pod.getStatus().getPodIP());
            }
        }
        return ips;
    }

    @Override
    public void close() {
        DaemonThreads.stop(loop);
        informer.close();
        List<ForwarderProcess> processes = new ArrayList<>();
        synchronized (this) {
            pods.values().forEach(pod -> {
                if (pod.process != null) {
                    processes.add(pod.process);
                    pod.process = null;
                }
            });
            pods.clear();
        }
        // A pod's grace period is for a node that stays; the sandbox is going away, so its forwarders get
        // STOP_GRACE to drain and the JVM's exit ends whatever is left.
        List<Thread> closing = new ArrayList<>();
        for (ForwarderProcess process : processes) {
            Thread thread = new Thread(process::close, "node-agent-stop");
            thread.setDaemon(true);
            thread.start();
            closing.add(thread);
        }
        Instant deadline = Instant.now().plus(STOP_GRACE);
        for (Thread thread : closing) {
            try {
                thread.join(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        stopper.shutdownNow();
    }
}
