package dev.sshtunnel.operator.gate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The Kubernetes API server's addresses, which sshtunnel.guard-rails.deny-api-server adds to the forwarders' deny
 * list: the ClusterIPs of Service default/kubernetes and the addresses of its EndpointSlices (the API servers
 * themselves, which a pod reaches without the Service). Read with list on services (one object, by field selector) and
 * on endpointslices, granted by a Role in namespace default (deploy/api-server-addresses-role.yaml), never cluster-wide;
 * kept for {@link #REFRESH} so that reconciles do not each ask again.
 */
@Singleton
public class ApiServerAddresses {

    static final String NAMESPACE = "default";
    static final String SERVICE = "kubernetes";
    /** How long one reading is used: a control plane's addresses change seldom, and a change rolls every forwarder. */
    static final Duration REFRESH = Duration.ofMinutes(5);

    private final KubernetesClient client;
    private final Clock clock = Clock.systemUTC();
    private List<String> addresses;
    private Instant readAt = Instant.MIN;

    @Inject
    public ApiServerAddresses(KubernetesClient client) {
        this.client = client;
    }

    /** Sorted and without duplicates, so that the pod template changes only when they do. Throws when they cannot be read. */
    public synchronized List<String> get() {
        Instant now = clock.instant();
        if (addresses == null || now.isAfter(readAt.plus(REFRESH))) {
            try {
                addresses = read();
            } catch (KubernetesClientException e) {
                // Reported in the tunnel's status (ApplyFailed) with this message: nothing is deployed without the rail.
                String cause = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                        : "the API server answered HTTP " + e.getCode();
                throw new KubernetesClientException(new StatusBuilder().withCode(e.getCode())
                        .withMessage("cannot read the API server's addresses for sshtunnel.guard-rails.deny-api-server"
                                + " (the operator needs list on services and endpointslices in namespace default): " + cause)
                        .build());
            }
            readAt = now;
        }
        return addresses;
    }

    private List<String> read() {
        TreeSet<String> found = new TreeSet<>();
        for (Service service : client.services().inNamespace(NAMESPACE).withField("metadata.name", SERVICE).list().getItems()) {
            if (service.getSpec() != null && service.getSpec().getClusterIPs() != null) {
                service.getSpec().getClusterIPs().stream().filter(ip -> !ip.isBlank() && !"None".equals(ip)).forEach(found::add);
            }
        }
        for (EndpointSlice slice : client.discovery().v1().endpointSlices().inNamespace(NAMESPACE)
                .withLabel("kubernetes.io/service-name", SERVICE).list().getItems()) {
            if (slice.getEndpoints() != null) {
                for (Endpoint endpoint : slice.getEndpoints()) {
                    if (endpoint.getAddresses() != null) {
                        found.addAll(endpoint.getAddresses());
                    }
                }
            }
        }
        return List.copyOf(found);
    }
}
