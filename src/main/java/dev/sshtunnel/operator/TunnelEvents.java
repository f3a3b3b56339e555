package dev.sshtunnel.operator;

import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.UUID;

import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Kubernetes Events on Ready transitions, so `kubectl describe sshtunnel` tells the story. Only
 * transitions are recorded (the caller compares reasons), which keeps them deduplicated.
 */
public class TunnelEvents {

    private static final Logger LOG = Logger.getLogger(TunnelEvents.class);
    static final String COMPONENT = "sshtunnel-operator";

    private final KubernetesClient client;
    private final Clock clock;

    public TunnelEvents(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    public void readyChanged(SshTunnel tunnel, Reason reason, String message) {
        boolean normal = reason == Reason.Connected || reason == Reason.Connecting || reason == Reason.Suspended;
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        var event = new EventBuilder()
                .withNewMetadata()
                    .withName(tunnel.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8)
                            .toLowerCase(Locale.ROOT))
                    .withNamespace(tunnel.getMetadata().getNamespace())
                .endMetadata()
                .withNewInvolvedObject()
                    .withApiVersion(SshTunnel.API_VERSION)
                    .withKind(SshTunnel.KIND)
                    .withName(tunnel.getMetadata().getName())
                    .withNamespace(tunnel.getMetadata().getNamespace())
                    .withUid(tunnel.getMetadata().getUid())
                    .withResourceVersion(tunnel.getMetadata().getResourceVersion())
                .endInvolvedObject()
                .withReason(reason.name())
                .withMessage(message)
                .withType(normal ? "Normal" : "Warning")
                .withCount(1)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withNewSource().withComponent(COMPONENT).endSource()
                .build();
        try {
            client.v1().events().inNamespace(tunnel.getMetadata().getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            // An event is a courtesy; status already carries the truth.
            LOG.warnf("could not record event %s for SshTunnel %s/%s: %s", reason, tunnel.getMetadata().getNamespace(),
                    tunnel.getMetadata().getName(), e.getMessage());
        }
    }
}
