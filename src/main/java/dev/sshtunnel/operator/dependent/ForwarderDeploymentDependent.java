package dev.sshtunnel.operator.dependent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.inject.Inject;

import dev.sshtunnel.api.forwarder.ForwarderStatus;
import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.ForwarderSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.OperatorConfig;
import dev.sshtunnel.operator.SshTunnelReconciler;
import dev.sshtunnel.operator.gate.ForwarderImagePolicy;
import dev.sshtunnel.operator.gate.ForwarderTargetPolicy;
import dev.sshtunnel.operator.observe.SpecSecretRefs;
import dev.sshtunnel.operator.tenancy.ResolvedTunnel;
import dev.sshtunnel.operator.tenancy.TunnelResolution;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;

/**
 * Deployment {@code <name>} running the forwarder role of the operator's own image (or an allowed
 * one). Not a Deleter: when its precondition (ForwarderCanStart) fails the running pods are left
 * alone; owner references remove it with the SshTunnel.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ForwarderLabels.MANAGED_SELECTOR,
        informerListLimit = SshTunnelReconciler.LIST_PAGE, onUpdateFilter = ForwarderDeploymentDependent.ReadChanges.class))
public class ForwarderDeploymentDependent extends KubernetesDependentResource<Deployment, SshTunnel>
        implements Creator<Deployment, SshTunnel>, Updater<Deployment, SshTunnel> {

    /** Its name in SshTunnelReconciler's workflow. */
    public static final String WORKFLOW_NAME = "forwarder";

    public static final String CONTAINER = "forwarder";
    public static final String CONFIG_DIR = "/etc/sshtunnel";
    /**
     * The ConfigMap is mounted as a directory, not with subPath: the kubelet then replaces its content
     * in place when the ConfigMap changes, and the running forwarder applies it without a restart.
     */
    public static final String TUNNEL_DIR = CONFIG_DIR + "/tunnel";
    public static final String TUNNEL_FILE = TUNNEL_DIR + "/" + TunnelDocument.FILE_NAME;
    public static final String SECRETS_DIR = CONFIG_DIR + "/secrets";
    /** The uid and gid the image runs as (hack/image/base-image.sh; docs/image.md). */
    static final long RUN_AS = 185L;
    /**
     * Asked for Secret files; the kubelet adds group read for the fsGroup, so the forwarder (gid 185) reads
     * a root-owned 0440 file that no other uid can (KubeletNodeIT checks it in the running container).
     */
    static final int SECRET_FILE_MODE = 0400;
    static final int FIRST_PRIVILEGED_PORT_LIMIT = 1024;
    static final int READINESS_PERIOD = 2;
    static final String HOSTNAME_TOPOLOGY = "kubernetes.io/hostname";

    @Inject
    OperatorConfig config;

    @Inject
    ForwarderImagePolicy images;

    @Inject
    TunnelResolution resolution;

    @Inject
    ForwarderTargetPolicy targets;

    public ForwarderDeploymentDependent() {
        super(Deployment.class);
    }

    /** Owned all the same, so deleting the SshTunnel deletes the Deployment (Kubernetes garbage collection). */
    @Override
    protected boolean addOwnerReference() {
        return true;
    }

    /** By labels, which also name the tunnel of a Deployment in a bastion's namespace. */
    @Override
    protected Optional<SecondaryToPrimaryMapper<Deployment>> getSecondaryToPrimaryMapper(EventSourceContext<SshTunnel> context) {
        return PlacedObjects.mapper(context);
    }

    /** Within the tunnel's namespace JOSDK's owner reference; across namespaces {@link PlacedObjects#metadata} ties it. */
    @Override
    protected void addReferenceHandlingMetadata(Deployment desired, SshTunnel primary) {
        if (PlacedObjects.ownedByTunnel(desired, primary)) {
            super.addReferenceHandlingMetadata(desired, primary);
        }
    }

    @Override
    protected Deployment desired(SshTunnel primary, Context<SshTunnel> context) {
        ResolvedTunnel resolved = resolution.of(primary, context);
        SshTunnel tunnel = resolved.rendered();
        SpecSecretRefs references = SpecSecretRefs.of(tunnel);
        ForwarderSpec forwarder = tunnel.getSpec().getForwarder() == null ? new ForwarderSpec() : tunnel.getSpec().getForwarder();
        // No digest of the document or the Secrets here: the pods follow both through their volumes, so
        // only what a running process cannot change (image, resources, volumes, privileged ports) rolls them.
        Map<String, String> podAnnotations = new LinkedHashMap<>(forwarder.getPodAnnotations());

        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName("tunnel")
                .withNewConfigMap().withName(TunnelConfigMapDependent.nameOf(tunnel)).endConfigMap().build());
        mounts.add(new VolumeMountBuilder().withName("tunnel").withMountPath(TUNNEL_DIR).withReadOnly(true).build());
        int index = 0;
        for (Map.Entry<String, Set<String>> secret : references.keysBySecret().entrySet()) {
            String volume = "secret-" + index++;
            volumes.add(new VolumeBuilder().withName(volume)
                    .withNewSecret()
                        .withSecretName(secret.getKey())
                        .withDefaultMode(SECRET_FILE_MODE)
                        .withItems(secret.getValue().stream().map(key -> new KeyToPath(key, null, key)).toList())
                    .endSecret()
                    .build());
            mounts.add(new VolumeMountBuilder().withName(volume).withMountPath(SECRETS_DIR + "/" + secret.getKey())
                    .withReadOnly(true).build());
        }
        // The root filesystem is read-only; the JVM still wants a small scratch directory.
        volumes.add(new VolumeBuilder().withName("tmp")
                .withNewEmptyDir().withMedium("Memory").withSizeLimit(new Quantity("16Mi")).endEmptyDir().build());
        mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());

        List<ForwardSpec> listening = tunnel.getSpec().getForwards().stream()
                .filter(ForwardSpec::listensInPod).toList();
        // Only the status port is declared: forward ports are listed in the Service and NetworkPolicy, so that
        // adding a forward changes no pod template (the Service targets the forward's port by number).
        List<ContainerPort> ports = List.of(new ContainerPortBuilder().withName("http").withContainerPort(ForwarderStatus.PORT)
                .withProtocol("TCP").build());

        Container container = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(images.imageOf(tunnel))
                .withImagePullPolicy(config.forwarder().imagePullPolicy())
                .withArgs(args())
                // The status endpoints listen on the pod's address only (probes and the operator use it). The API
                // server fills in the fieldRef's apiVersion: asking for anything less, every reconcile saw a difference
                // in its own fields and applied the Deployment again.
                .addNewEnv().withName(POD_IP).withNewValueFrom().withNewFieldRef().withApiVersion("v1").withFieldPath("status.podIP")
                    .endFieldRef().endValueFrom().endEnv()
                .withPorts(ports)
                .withResources(resources(forwarder))
                .withVolumeMounts(mounts)
                .withSecurityContext(new SecurityContextBuilder()
                        .withAllowPrivilegeEscalation(false)
                        .withReadOnlyRootFilesystem(true)
                        .withRunAsNonRoot(true)
                        .withNewCapabilities().withDrop("ALL").endCapabilities()
                        .build())
                .withLivenessProbe(probe("/q/health/live", 10, 3, 2))
                // Out of the Service within READINESS_PERIOD (+ the probe timeout if it hangs) of the session
                // dropping: /q/health/ready answers 503 as soon as the forwarder sees it. One failure suffices, as
                // the answer is in-process state, not a network check that might flake.
                .withReadinessProbe(probe("/q/health/ready", READINESS_PERIOD, 1, 1))
                .build();

        var podSecurity = new PodSecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(RUN_AS)
                .withRunAsGroup(RUN_AS)
                .withFsGroup(RUN_AS)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile();
        if (listening.stream().anyMatch(f -> f.getPort() < FIRST_PRIVILEGED_PORT_LIMIT)) {
            // A non-root process with no capabilities may bind ports below 1024 only with this (namespaced, safe) sysctl.
            podSecurity.withSysctls(new Sysctl("net.ipv4.ip_unprivileged_port_start", "0"));
        }

        boolean suspended = Boolean.TRUE.equals(tunnel.getSpec().getSuspend());
        int replicas = tunnel.getSpec().effectiveReplicas();
        return new DeploymentBuilder()
                .withMetadata(PlacedObjects.metadata(resolved, tunnel.getMetadata().getName()))
                .withNewSpec()
                    .withReplicas(suspended ? 0 : replicas)
                    .withRevisionHistoryLimit(3)
                    .withNewSelector().withMatchLabels(ForwarderLabels.selector(tunnel)).endSelector()
                    .withStrategy(strategy(tunnel))
                    .withNewTemplate()
                        .withNewMetadata()
                            .withLabels(resolved.labels())
                            .withAnnotations(podAnnotations)
                        .endMetadata()
                        .withNewSpec()
                            .withAutomountServiceAccountToken(false)
                            .withEnableServiceLinks(false)
                            .withSecurityContext(podSecurity.build())
                            .withTerminationGracePeriodSeconds(30L)
                            .withNodeSelector(forwarder.getNodeSelector().isEmpty() ? null : forwarder.getNodeSelector())
                            .withTolerations(forwarder.getTolerations().isEmpty() ? null : forwarder.getTolerations())
                            .withTopologySpreadConstraints(spreadOverNodes(tunnel))
                            .withContainers(container)
                            .withVolumes(volumes)
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    private static final String POD_IP = "POD_IP";

    /** The guard rail on Remote targets and SOCKS destinations goes with them: changing its settings rolls the pods. */
    private List<String> args() {
        List<String> args = new ArrayList<>(List.of("forward", "-f", TUNNEL_FILE, "--secrets-dir", SECRETS_DIR,
                "--bind-address", "0.0.0.0", "--http-address", "$(" + POD_IP + ")", "--admitted"));
        args.addAll(targets.arguments());
        return args;
    }

    /**
     * Replicas on different nodes where the scheduler can manage it (ScheduleAnyway: a one-node cluster
     * still runs them all), so a node failure or drain takes one. Always set, not only with replicas
     * &gt; 1: scaling then changes no pod template, and over one pod the constraint is a no-op.
     */
    private static TopologySpreadConstraint spreadOverNodes(SshTunnel tunnel) {
        return new TopologySpreadConstraintBuilder()
                .withMaxSkew(1)
                .withTopologyKey(HOSTNAME_TOPOLOGY)
                .withWhenUnsatisfiable("ScheduleAnyway")
                .withNewLabelSelector().withMatchLabels(ForwarderLabels.selector(tunnel)).endLabelSelector()
                .build();
    }

    /**
     * Never zero ready pods: the new pod starts before an old one stops. A fixed Remote port is held by
     * one session; the new pod waits for it as Standby (ready) until the old pod cancels it on SIGTERM.
     * A Remote port 0 would be allocated anew by the server for each pod, so there the old pod stops first.
     */
    private static DeploymentStrategy strategy(SshTunnel tunnel) {
        boolean allocatedPort = tunnel.getSpec().getForwards().stream()
                .anyMatch(f -> f.getType() == ForwardType.Remote && f.getPort() != null && f.getPort() == 0);
        if (allocatedPort) {
            return new DeploymentStrategyBuilder().withType("Recreate").build();
        }
        return new DeploymentStrategyBuilder().withType("RollingUpdate")
                .withNewRollingUpdate().withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).endRollingUpdate()
                .build();
    }

    private ResourceRequirements resources(ForwarderSpec forwarder) {
        if (forwarder.getResources() != null) {
            return forwarder.getResources();
        }
        return new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity(config.forwarder().cpuRequest()))
                .addToRequests("memory", new Quantity(config.forwarder().memoryRequest()))
                .addToLimits("memory", new Quantity(config.forwarder().memoryLimit()))
                .build();
    }

    private static Probe probe(String path, int periodSeconds, int failureThreshold, int timeoutSeconds) {
        return new ProbeBuilder()
                .withNewHttpGet().withPath(path).withPort(new IntOrString("http")).endHttpGet()
                .withPeriodSeconds(periodSeconds)
                .withFailureThreshold(failureThreshold)
                .withTimeoutSeconds(timeoutSeconds)
                .build();
    }

    /**
     * An update reconciles the tunnel only when something the operator reads or owns changed: the spec (its
     * generation, so a hand edit is undone), the metadata, or the ready replicas. The deployment controller's other
     * status writes — several per rollout, and again whenever a Pending pod's counts move — are no work for it.
     */
    public static class ReadChanges implements OnUpdateFilter<Deployment> {

        @Override
        public boolean accept(Deployment updated, Deployment old) {
            return !signature(updated).equals(signature(old));
        }

        private static List<Object> signature(Deployment deployment) {
            var metadata = deployment.getMetadata();
            return Arrays.asList(metadata.getGeneration(), metadata.getLabels(), metadata.getAnnotations(),
                    metadata.getOwnerReferences(), metadata.getDeletionTimestamp(),
                    deployment.getStatus() == null ? null : deployment.getStatus().getReadyReplicas());
        }
    }
}
