package dev.sshtunnel.operator.observe;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sshtunnel.api.forwarder.ForwarderStatus;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.SessionStatus;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.operator.status.ForwarderReport;
import dev.sshtunnel.untrusted.UntrustedText;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * Reads GET /status from each running forwarder pod at podIP:8081 ({@link ForwarderStatus}). Not-ready pods are read too:
 * their report says why they are not ready (authentication, host key, ...).
 */
public class ForwarderStatusReader {

    private static final Logger LOG = Logger.getLogger(ForwarderStatusReader.class);
    /** A forwarder with hundreds of forwards answers in a few tens of KiB; anything past this is not one. */
    static final int MAX_BODY = 1024 * 1024;

    private final HttpClient http;
    private final Duration timeout;
    private final ObjectMapper json = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public ForwarderStatusReader(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    public List<ForwarderReport> read(Iterable<Pod> pods) {
        List<ForwarderReport> reports = new ArrayList<>();
        for (Pod pod : pods) {
            read(pod).ifPresent(reports::add);
        }
        reports.sort(Comparator.comparing(ForwarderReport::podName));
        return reports;
    }

    Optional<ForwarderReport> read(Pod pod) {
        if (!ForwarderPods.answering(pod)) {
            return Optional.empty();
        }
        String ip = pod.getStatus().getPodIP();
        String host = ip.contains(":") ? "[" + ip + "]" : ip;
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + ForwarderStatus.PORT + ForwarderStatus.PATH))
                .timeout(timeout).GET().build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            byte[] body;
            try (InputStream in = response.body()) {
                body = in.readNBytes(MAX_BODY + 1);
            }
            if (response.statusCode() != 200) {
                LOG.debugf("forwarder %s answered /status with %d", pod.getMetadata().getName(), response.statusCode());
                return Optional.empty();
            }
            if (body.length > MAX_BODY) {
                LOG.warnf("forwarder %s /status is larger than %d bytes; ignored", pod.getMetadata().getName(), MAX_BODY);
                return Optional.empty();
            }
            ForwarderStatus status = json.readValue(body, ForwarderStatus.class);
            return Optional.of(new ForwarderReport(pod.getMetadata().getName(), new ForwarderStatus(status.generation(),
                    UntrustedText.clean(status.documentError(), UntrustedText.MESSAGE), bounded(status.session()),
                    status.sessions() == null ? null
                            : status.sessions().stream().limit(SshSpec.MAX_SESSIONS).map(ForwarderStatusReader::bounded).toList(),
                    status.forwards().stream().map(ForwarderStatusReader::bounded).toList())));
        } catch (IOException e) {
            LOG.debugf("forwarder %s /status unreachable: %s", pod.getMetadata().getName(), e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** What a pod says goes into status, Events and logs: one clean line of bounded length per field. */
    private static SessionStatus bounded(SessionStatus session) {
        if (session != null) {
            session.setServerVersion(UntrustedText.clean(session.getServerVersion(), UntrustedText.FIELD));
            session.setHostKeyFingerprint(UntrustedText.clean(session.getHostKeyFingerprint(), UntrustedText.FIELD));
            session.setCipher(UntrustedText.clean(session.getCipher(), UntrustedText.FIELD));
            session.setConnectedSince(UntrustedText.clean(session.getConnectedSince(), UntrustedText.FIELD));
            session.setLastError(UntrustedText.clean(session.getLastError(), UntrustedText.MESSAGE));
        }
        return session;
    }

    private static ForwardStatus bounded(ForwardStatus forward) {
        if (forward != null) {
            forward.setName(UntrustedText.clean(forward.getName(), UntrustedText.FIELD));
            forward.setLastError(UntrustedText.clean(forward.getLastError(), UntrustedText.MESSAGE));
        }
        return forward;
    }
}
