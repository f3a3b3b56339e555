package dev.sshtunnel.operator.observe;

import java.util.Collection;
import java.util.Map;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Gets a changed tunnel document to the running forwarders within seconds. The kubelet rewrites
 * ConfigMap and Secret volumes when it syncs a pod: on its periodic sync (syncFrequency, 1 min by
 * default) or at once when the pod object changes (kubelet's SyncPod → volume manager
 * WaitForAttachAndMount → ReprocessPod → MarkRemountRequired). So each forwarder pod is annotated
 * with the generation of the document in its ConfigMap; the annotation changing is the pod update
 * that makes the kubelet sync it. Idempotent: a pod that carries the generation is not written.
 */
public final class PodVolumeRefresh {

    public static final String ANNOTATION = "sshtunnel.dev/tunnel-generation";
    private static final Logger LOG = Logger.getLogger(PodVolumeRefresh.class);

    private final KubernetesClient client;

    public PodVolumeRefresh(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Annotates every running pod that does not carry {@code documentGeneration} yet. A pod not running yet reads the
     * ConfigMap when its containers start, and its change to Running reconciles the tunnel again: a Pending pod (1,000
     * of them when a cluster without room starts 1,000 tunnels) costs no write.
     */
    public void nudge(Collection<Pod> pods, long documentGeneration) {
        String wanted = Long.toString(documentGeneration);
        for (Pod pod : pods) {
            var metadata = pod.getMetadata();
            if (!ForwarderPods.running(pod) || (metadata.getAnnotations() != null && wanted.equals(metadata.getAnnotations().get(ANNOTATION)))) {
                continue;
            }
            String patch = Serialization.asJson(Map.of("metadata", Map.of("annotations", Map.of(ANNOTATION, wanted))));
            try {
                client.pods().inNamespace(metadata.getNamespace()).withName(metadata.getName())
                        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
            } catch (KubernetesClientException e) {
                // The periodic kubelet sync still delivers the document; the next reconcile tries again.
                LOG.debugf("pod %s/%s: could not annotate generation %s: %s", metadata.getNamespace(), metadata.getName(),
                        wanted, e.getMessage());
            }
        }
    }
}
