package dev.sshtunnel.operator;

import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Kubernetes Events on Ready transitions, so `kubectl describe sshtunnel` tells the story. Only
 * transitions are recorded (the caller compares reasons), and the same transition again — a tunnel
 * flapping between Connected and Unreachable — bumps the count of the existing event instead of
 * adding one, as client-go's event correlator does: the event's name is derived from the tunnel's
 * UID, the reason and the message.
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

    /** Same tunnel (UID), reason and message: same event. */
    static String nameOf(SshTunnel tunnel, Reason reason, String message) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((tunnel.getMetadata().getUid() + "\n" + reason
                    + "\n" + message).getBytes(StandardCharsets.UTF_8));
            return tunnel.getMetadata().getName() + "." + HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    public void readyChanged(SshTunnel tunnel, Reason reason, String text) {
        // The message repeats what forwarder pods reported; bounded and one line whatever they sent.
        String message = UntrustedText.clean(text, UntrustedText.EVENT_MESSAGE);
        boolean normal = reason == Reason.Connected || reason == Reason.Connecting || reason == Reason.Suspended;
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        var event = new EventBuilder()
                .withNewMetadata()
                    .withName(nameOf(tunnel, reason, message))
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
        var events = client.v1().events().inNamespace(tunnel.getMetadata().getNamespace());
        try {
            try {
                events.resource(event).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw e;
                }
                events.withName(event.getMetadata().getName()).edit(existing -> {
                    existing.setCount((existing.getCount() == null ? 1 : existing.getCount()) + 1);
                    existing.setLastTimestamp(now);
                    return existing;
                });
            }
        } catch (KubernetesClientException e) {
            // An event is a courtesy; status already carries the truth.
            LOG.warnf("could not record event %s for SshTunnel %s/%s: %s", reason, tunnel.getMetadata().getNamespace(),
                    tunnel.getMetadata().getName(), e.getMessage());
        }
    }
}
