package dev.sshtunnel.operator.observe;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;

import io.quarkus.kubernetes.client.KubernetesClientObjectMapperCustomizer;

/**
 * How every Kubernetes client of the operator reads JSON — the one Quarkus makes and the list-and-watch clients of its
 * own ({@link PartialReads}, {@link MetadataOnlyClient}): what the API server adds for its own bookkeeping is pruned
 * ({@link ObjectMetaPruning}), and objects are bound through generated accessors (Jackson's Blackbird) instead of
 * reflection, which took the largest share of the operator's CPU while informers read 1,000 tunnels' objects.
 */
@Singleton
public class ClientJson implements KubernetesClientObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        configure(mapper);
    }

    static void configure(ObjectMapper mapper) {
        mapper.registerModule(new BlackbirdModule());
        ObjectMetaPruning.register(mapper);
    }
}
