package dev.sshtunnel.operator.observe;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/**
 * An informer that lists and watches through a client of its own — one that reads only part of each object
 * ({@link PartialReads}) — and closes that client when it stops.
 */
class OwnClientInformer<R extends HasMetadata, P extends HasMetadata> extends InformerEventSource<R, P> {

    private final KubernetesClient client;

    OwnClientInformer(InformerEventSourceConfiguration<R> configuration, EventSourceContext<P> context) {
        super(configuration, context);
        this.client = configuration.getKubernetesClient().orElseThrow();
    }

    @Override
    public synchronized void stop() {
        try {
            super.stop();
        } finally {
            client.close();
        }
    }
}
