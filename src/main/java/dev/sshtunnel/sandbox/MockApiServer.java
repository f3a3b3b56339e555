package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.HashMap;

import dev.sshtunnel.config.validation.CrdSchema;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/**
 * The sandbox's API server: the Fabric8 mock in CRUD mode (objects are stored, listed and watched
 * over WebSocket), on loopback, with the SshTunnel CRD installed so the status subresource behaves
 * as in a cluster. It has no admission, no garbage collector and no controllers: {@link ApiFront}
 * and the stand-ins in this package add the parts the sandbox needs.
 */
final class MockApiServer implements AutoCloseable {

    private final KubernetesMockServer server;
    private final KubernetesClient client;

    private MockApiServer(KubernetesMockServer server) {
        this.server = server;
        this.client = server.createClient();
    }

    static MockApiServer start(String... namespaces) throws IOException {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        MockApiServer api = new MockApiServer(server);
        try (InputStream crd = MockApiServer.class.getClassLoader().getResourceAsStream(CrdSchema.RESOURCE)) {
            if (crd == null) {
                throw new IOException(CrdSchema.RESOURCE + " is missing from the application jar");
            }
            api.client.resource(Serialization.unmarshal(crd, CustomResourceDefinition.class)).create();
        }
        for (String namespace : namespaces) {
            api.client.resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
        }
        return api;
    }

    /** http://127.0.0.1:PORT/ — what the operator and the stand-ins talk to. */
    String url() {
        return client.getConfiguration().getMasterUrl();
    }

    KubernetesClient client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
