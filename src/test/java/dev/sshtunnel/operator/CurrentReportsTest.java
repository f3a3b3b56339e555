package dev.sshtunnel.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;
import dev.sshtunnel.operator.status.ForwarderReport;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

/** Status speaks for the current spec only: pods of a replaced template (still draining) do not count. */
class CurrentReportsTest {

    @Test
    void onlyPodsOfTheDeploymentsCurrentTemplateCount() {
        List<ForwarderReport> reports = List.of(report("new-1"), report("old-1"), report("unlabelled"));
        List<Pod> pods = List.of(pod("new-1", "hash-2"), pod("old-1", "hash-1"), pod("unlabelled", null));

        assertThat(SshTunnelReconciler.currentReports(Optional.of(deployment("hash-2")), pods, reports))
                .extracting(ForwarderReport::podName).containsExactly("new-1");
        assertThat(SshTunnelReconciler.currentReports(Optional.empty(), pods, reports)).as("no Deployment, no current pods")
                .isEmpty();
    }

    private static Deployment deployment(String hash) {
        return new DeploymentBuilder().withNewSpec().withNewTemplate().withNewMetadata()
                .addToAnnotations(ConfigHash.ANNOTATION, hash).endMetadata().endTemplate().endSpec().build();
    }

    private static Pod pod(String name, String hash) {
        var metadata = new PodBuilder().withNewMetadata().withName(name);
        if (hash != null) {
            metadata.addToAnnotations(ConfigHash.ANNOTATION, hash);
        } else {
            metadata.addToAnnotations("other", "x");
        }
        return metadata.endMetadata().build();
    }

    private static ForwarderReport report(String pod) {
        SessionStatus session = new SessionStatus();
        session.setState(SessionState.Connected);
        return new ForwarderReport(pod, session, List.of());
    }
}
