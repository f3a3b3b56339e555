package dev.sshtunnel.operator;

import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.config.Sha256;
import dev.sshtunnel.untrusted.UntrustedText;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
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
    static String nameOf(HasMetadata tunnel, Reason reason, String message) {
        String digest = Sha256.hex((tunnel.getMetadata().getUid() + "\n" + reason + "\n" + message)
                .getBytes(StandardCharsets.UTF_8));
        return tunnel.getMetadata().getName() + "." + digest.substring(0, 12);
    }

    /**
     * Normal while the tunnel progresses, Warning for a fault. ForwarderUnavailable is progress while
     * the tunnel starts or comes back from another reason (the pods are being created, scheduled or
     * replaced — Kubernetes' own pod events carry any fault of theirs), and a fault when it ends a
     * working tunnel.
     */
    static String typeOf(Optional<Reason> before, Reason now) {
        boolean progress = now == Reason.Connected || now == Reason.Connecting || now == Reason.Suspended
                || (now == Reason.ForwarderUnavailable && before.filter(Reason.Connected::equals).isEmpty());
        return progress ? "Normal" : "Warning";
    }

    /**
     * An event for a new Ready (or SpecApplied) reason of a tunnel, or of the LoadBalancer Service a tunnel serves;
     * {@code before}: the reason it replaces, if any.
     */
    public void readyChanged(HasMetadata tunnel, Optional<Reason> before, Reason reason, String text) {
        // The message repeats what forwarder pods reported; bounded and one line whatever they sent.
        String message = UntrustedText.clean(text, UntrustedText.EVENT_MESSAGE);
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        var event = new EventBuilder()
                .withNewMetadata()
                    .withName(nameOf(tunnel, reason, message))
                    .withNamespace(tunnel.getMetadata().getNamespace())
                .endMetadata()
                .withNewInvolvedObject()
                    .withApiVersion(tunnel.getApiVersion())
                    .withKind(tunnel.getKind())
                    .withName(tunnel.getMetadata().getName())
                    .withNamespace(tunnel.getMetadata().getNamespace())
                    .withUid(tunnel.getMetadata().getUid())
                    .withResourceVersion(tunnel.getMetadata().getResourceVersion())
                .endInvolvedObject()
                .withReason(reason.name())
                .withMessage(message)
                .withType(typeOf(before, reason))
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
            LOG.warnf("could not record event %s for %s %s/%s: %s", reason, tunnel.getKind(), tunnel.getMetadata().getNamespace(),
                    tunnel.getMetadata().getName(), e.getMessage());
        }
    }
}
