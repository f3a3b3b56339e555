package dev.sshtunnel.operator.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.sshtunnel.api.forwarder.ForwarderStatus;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.operator.status.ForwarderReport;
import dev.sshtunnel.untrusted.UntrustedText;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

/**
 * A forwarder pod is not trusted: whatever its /status says ends up in status, Events and log
 * lines, so the reader keeps each field one line of bounded length. A real HTTP server on a
 * loopback address of its own plays the pod (port 8081, as in a cluster).
 */
class ForwarderStatusReaderTest {

    private static final String POD_IP = "127.77.0.1";
    private HttpServer pod;
    private volatile String body;

    @BeforeEach
    void start() throws Exception {
        pod = HttpServer.create(new InetSocketAddress(POD_IP, ForwarderStatus.PORT), 0);
        pod.createContext("/status", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        pod.start();
    }

    @AfterEach
    void stop() {
        pod.stop(0);
    }

    @Test
    void controlCharactersAndEndlessTextFromAPodAreCleanedAndCapped() {
        String hostile = "Unreachable: refused\\r\\n2026-01-01 INFO forged log line \\u001b[2J\\u202eevil"
                + "A".repeat(100_000);
        body = "{\"session\":{\"state\":\"Disconnected\",\"serverVersion\":\"SSH-2.0-x\\nInjected\",\"lastError\":\""
                + hostile + "\"},\"forwards\":[{\"name\":\"pg\",\"type\":\"Local\",\"state\":\"Failed\",\"lastError\":\""
                + hostile + "\"}]}";

        ForwarderReport report = new ForwarderStatusReader(Duration.ofSeconds(2)).read(runningPod()).orElseThrow();

        assertThat(report.status().session().getServerVersion()).isEqualTo("SSH-2.0-x Injected");
        for (String text : new String[] { report.status().session().getLastError(), report.status().forwards().get(0).getLastError() }) {
            assertThat(text).startsWith("Unreachable: refused  2026-01-01 INFO forged log line  [2J evil")
                    .hasSize(UntrustedText.MESSAGE).endsWith("...");
            assertThat(text.codePoints()).noneMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT);
        }
    }

    @Test
    void anOrdinaryReportIsUnchanged() {
        body = "{\"session\":{\"state\":\"Connected\",\"serverVersion\":\"SSH-2.0-OpenSSH_9.2p1\",\"cipher\":\"aes128-gcm@openssh.com\"},"
                + "\"forwards\":[{\"name\":\"pg\",\"type\":\"Local\",\"state\":\"Active\",\"lastError\":\"ForwardRejected: open failed (administratively prohibited)\","
                + "\"reason\":\"ForwardRejected\"}]}";

        ForwarderReport report = new ForwarderStatusReader(Duration.ofSeconds(2)).read(runningPod()).orElseThrow();

        assertThat(report.status().session().getServerVersion()).isEqualTo("SSH-2.0-OpenSSH_9.2p1");
        assertThat(report.status().session().getCipher()).isEqualTo("aes128-gcm@openssh.com");
        assertThat(report.status().forwards().get(0).getLastError()).isEqualTo("ForwardRejected: open failed (administratively prohibited)");
        assertThat(report.status().forwards().get(0).getReason()).isEqualTo(Reason.ForwardRejected);
    }

    /** A forwarder newer than the operator may send a reason the operator does not know: the rest of its report counts. */
    @Test
    void anUnknownReasonIsDroppedNotTheReport() {
        body = "{\"session\":{\"state\":\"Failed\",\"lastError\":\"SomethingNew: detail\",\"reason\":\"SomethingNew\"},"
                + "\"forwards\":[{\"name\":\"pg\",\"type\":\"Local\",\"state\":\"Pending\",\"reason\":\"SomethingNew\"}]}";

        ForwarderReport report = new ForwarderStatusReader(Duration.ofSeconds(2)).read(runningPod()).orElseThrow();

        assertThat(report.status().session().getState()).isEqualTo(SessionState.Failed);
        assertThat(report.status().session().getLastError()).isEqualTo("SomethingNew: detail");
        assertThat(report.status().session().getReason()).isNull();
        assertThat(report.status().forwards().get(0).getReason()).isNull();
    }

    private static Pod runningPod() {
        return new PodBuilder().withNewMetadata().withName("warehouse-1").endMetadata()
                .withNewStatus().withPhase("Running").withPodIP(POD_IP).endStatus().build();
    }
}
