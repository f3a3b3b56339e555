package dev.sshtunnel.operator.observe;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Clients for informers that keep only part of what they list and watch. Jackson mix-ins name what is skipped while
 * parsing, so it is never built (for a pod, its spec: the template's containers, volumes and probes, most of the
 * object); the API server's bookkeeping is dropped and objects bound as on the operator's own client ({@link ClientJson}).
 * Only list and watch are meant: an object read or written through such a client would be incomplete.
 */
final class PartialReads {

    private PartialReads() {
    }

    /** {@code mixIns}: target class → a mix-in annotated with {@code @JsonIgnoreProperties} naming what to skip. */
    static KubernetesClient skipping(Config config, Map<Class<?>, Class<?>> mixIns) {
        ObjectMapper json = new ObjectMapper();
        mixIns.forEach(json::addMixIn);
        ClientJson.configure(json);
        return new KubernetesClientBuilder().withConfig(config)
                .withKubernetesSerialization(new KubernetesSerialization(json, true))
                .build();
    }
}
