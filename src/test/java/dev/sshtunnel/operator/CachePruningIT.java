package dev.sshtunnel.operator;

import static dev.sshtunnel.testing.TunnelFixtures.keySecret;
import static dev.sshtunnel.testing.TunnelFixtures.local;
import static dev.sshtunnel.testing.TunnelFixtures.tunnel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.ServiceSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.observe.ObjectMetaPruning;
import dev.sshtunnel.testing.Kubectl;
import dev.sshtunnel.testing.RealCluster;
import dev.sshtunnel.testing.RealClusterResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The operator's caches hold objects without the API server's bookkeeping: a tunnel applied with
 * kubectl (client-side, so it carries a whole second copy in last-applied-configuration) is cached
 * without that annotation and without other managers' managedFields (the operator's own entry claims only its
 * finalizer), and a dependent keeps only the operator's own
 * server-side-apply entry, which JOSDK's matching reads.
 */
@QuarkusTest
@QuarkusTestResource(RealClusterResource.class)
class CachePruningIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject
    Operator operator;

    KubernetesClient client = RealCluster.admin();

    @Test
    void cachedTunnelAndServiceCarryNoLastAppliedAndNoForeignManagedFields() {
        String ns = "pruned";
        RealCluster.namespace(ns);
        client.resource(keySecret(ns, "key-v1")).create();
        SshTunnel applied = tunnel(ns, "warehouse", local("postgres", 5432, "db.internal", 5432));
        ServiceSpec service = new ServiceSpec();
        service.setAnnotations(Map.of("example.com/team", "data"));
        applied.getSpec().setService(service);
        Kubectl kubectl = new Kubectl(RealCluster.adminKubeconfig());
        Kubectl.Result apply = kubectl.attempt(Serialization.asYaml(applied), "apply", "-f", "-");
        assertThat(apply.exitCode()).as(apply.err()).isZero();

        SshTunnel stored = await().atMost(TIMEOUT).until(
                () -> client.resources(SshTunnel.class).inNamespace(ns).withName("warehouse").get(),
                t -> t.getStatus() != null);
        assertThat(stored.getMetadata().getAnnotations()).as("the API server holds kubectl's copy")
                .containsKey(ObjectMetaPruning.LAST_APPLIED);
        assertThat(stored.getMetadata().getManagedFields()).isNotEmpty();

        Controller<SshTunnel> controller = controller();
        SshTunnel cached = controller.getEventSourceManager().getControllerEventSource()
                .get(new ResourceID("warehouse", ns)).orElseThrow();
        assertThat(cached.getMetadata().getAnnotations()).doesNotContainKey(ObjectMetaPruning.LAST_APPLIED);
        // What stays is the operator's own apply entry, and on a tunnel that only claims its finalizer.
        assertThat(cached.getMetadata().getManagedFields()).as("managed fields of the cached tunnel").allSatisfy(entry -> {
            assertThat(entry.getManager()).isEqualTo(SshTunnelReconciler.NAME);
            assertThat(Serialization.asJson(entry.getFieldsV1())).contains("f:finalizers", "sshtunnels.sshtunnel.dev/finalizer")
                    .doesNotContain("f:spec", "f:status", "f:annotations", "f:labels");
        });
        assertThat(cached.getSpec().getService().getAnnotations()).containsEntry("example.com/team", "data");

        // Another manager writes the Service too: the API server tracks it, the cache does not.
        await().atMost(TIMEOUT).until(() -> client.services().inNamespace(ns).withName("warehouse").get() != null);
        kubectl.run("label", "-n", ns, "service", "warehouse", "example.com/owner=platform");
        InformerEventSource<Service, SshTunnel> services = serviceCache(controller);
        Service cachedService = await().atMost(TIMEOUT).until(
                () -> services.get(new ResourceID("warehouse", ns)).orElse(null),
                s -> s != null && "platform".equals(s.getMetadata().getLabels().get("example.com/owner")));
        assertThat(managers(client.services().inNamespace(ns).withName("warehouse").get()))
                .contains("sshtunnel/Apply", "kubectl-label/Update");
        assertThat(managers(cachedService)).containsExactly("sshtunnel/Apply");
    }

    @SuppressWarnings("unchecked")
    private Controller<SshTunnel> controller() {
        return (Controller<SshTunnel>) operator.getRegisteredController(SshTunnelReconciler.NAME).orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static InformerEventSource<Service, SshTunnel> serviceCache(Controller<SshTunnel> controller) {
        return (InformerEventSource<Service, SshTunnel>) controller.getEventSourceManager().getEventSourcesFor(Service.class)
                .get(0);
    }

    private static java.util.List<String> managers(HasMetadata resource) {
        return resource.getMetadata().getManagedFields().stream()
                .map((ManagedFieldsEntry e) -> e.getManager() + "/" + e.getOperation())
                .toList();
    }
}
