package dev.sshtunnel.operator.observe;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * A client for informers whose list and watch answers carry objects' metadata only: the API server
 * returns PartialObjectMetadata when the Accept header asks for it, as client-go's metadata informers
 * do. Fabric8 has no such mode of its own (fabric8io/kubernetes-client#5716) but reads the answer
 * into the typed resource, whose data, spec and status then stay empty. Only list and watch are
 * meant: a GET of one object through this client is refused by the server (406), never answered in full.
 */
final class MetadataOnlyClient {

    private static final String LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    private static final String WATCH = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

    private MetadataOnlyClient() {
    }

    static KubernetesClient of(Config config) {
        return of(config, Map.of());
    }

    /** {@code mixIns}: as {@link PartialReads#skipping}, to keep even less of each object's metadata. */
    static KubernetesClient of(Config config, Map<Class<?>, Class<?>> mixIns) {
        // An empty PartialObjectMetadataList comes as "items": null, where Fabric8's informer expects a list.
        ObjectMapper json = new ObjectMapper();
        mixIns.forEach(json::addMixIn);
        json.configOverride(List.class).setSetterInfo(JsonSetter.Value.forValueNulls(Nulls.AS_EMPTY));
        ClientJson.configure(json);
        return new KubernetesClientBuilder().withConfig(config)
                .withKubernetesSerialization(new KubernetesSerialization(json, true))
                .withHttpClientBuilderConsumer(http -> http.addOrReplaceInterceptor("metadata-only", new AcceptMetadataOnly()))
                .build();
    }

    private static final class AcceptMetadataOnly implements Interceptor {
        @Override
        public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            String query = request.uri().getRawQuery();
            boolean watch = query != null && ("&" + query + "&").contains("&watch=true&");
            // A watch streams single objects (each event's object is metadata only); a list is one list.
            builder.setHeader("Accept", watch ? WATCH : LIST);
        }
    }
}
