package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import dev.sshtunnel.operator.ForwarderLabels;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Stands in for kube-proxy, for the forwarder Services: each Service port gets a {@link ServicePort}
 * on the host (its own port number when free, else another one, printed either way) that relays to
 * the ready forwarder pods. A Service without selector relays to the ready addresses of its
 * EndpointSlices. Not emulated: cluster IPs, DNS names, NetworkPolicy enforcement.
 */
final class ServiceProxies implements AutoCloseable {

    private final KubernetesClient client;
    private final NodeAgent node;
    private final String address;
    private final Consumer<String> log;
    private final Map<String, ServicePort> ports = new HashMap<>();

    ServiceProxies(KubernetesClient client, NodeAgent node, String address, Consumer<String> log) {
        this.client = client;
        this.node = node;
        this.address = address;
        this.log = log;
    }

    private record Wanted(String namespace, String service, String portName, int port, int target, Map<String, String> selector) {
        String key() {
            return namespace + "/" + service + "/" + portName + "/" + port + "/" + target;
        }
    }

    synchronized void sync() {
        Map<String, Wanted> wanted = new LinkedHashMap<>();
        for (Service service : client.services().inAnyNamespace()
                .withLabel(ForwarderLabels.MANAGED_BY, ForwarderLabels.OPERATOR_NAME).list().getItems()) {
            String ns = service.getMetadata().getNamespace();
            Map<String, String> selector = service.getSpec().getSelector();
            for (var port : service.getSpec().getPorts()) {
                Integer target = targetPort(ns, selector, port.getTargetPort(), port.getPort());
                if (target != null) { // else no pod template defines the named port yet
                    Wanted w = new Wanted(ns, service.getMetadata().getName(), port.getName(), port.getPort(), target, selector);
                    wanted.put(w.key(), w);
                }
            }
        }
        // Close what went away first, so a changed port can be bound again on its own number.
        ports.keySet().removeIf(key -> {
            if (wanted.containsKey(key)) {
                return false;
            }
            ports.get(key).close();
            log.accept("service port " + key.substring(0, key.lastIndexOf('/')) + " closed");
            return true;
        });
        for (Wanted w : wanted.values()) {
            if (ports.containsKey(w.key())) {
                continue;
            }
            try {
                // A Service without selector (a tunnel whose pods run in a bastion's namespace): its EndpointSlices, as kube-proxy.
                ServicePort local = new ServicePort(address, w.port(), w.target(), w.selector() == null || w.selector().isEmpty()
                        ? () -> readyEndpoints(w.namespace(), w.service())
                        : () -> node.readyPodIps(w.namespace(), w.selector()));
                ports.put(w.key(), local);
                log.accept("service " + w.namespace() + "/" + w.service() + " port "
                        + (w.portName() == null ? "" : w.portName() + " ") + w.port() + " -> " + local.localAddress() + ":"
                        + local.localPort() + (local.fallbackReason() == null ? "" : " (" + w.port() + ": " + local.fallbackReason() + ")"));
            } catch (IOException e) {
                log.accept("service " + w.namespace() + "/" + w.service() + " port " + w.port() + ": cannot listen on " + address
                        + ": " + e.getMessage());
            }
        }
    }

    /** The ready addresses of a Service's EndpointSlices. */
    private List<String> readyEndpoints(String namespace, String service) {
        List<String> ips = new ArrayList<>();
        for (EndpointSlice slice : client.discovery().v1().endpointSlices().inNamespace(namespace)
                .withLabel("kubernetes.io/service-name", service).list().getItems()) {
            for (Endpoint endpoint : slice.getEndpoints()) {
                if (endpoint.getConditions() != null && Boolean.TRUE.equals(endpoint.getConditions().getReady())) {
                    ips.addAll(endpoint.getAddresses());
                }
            }
        }
        return ips;
    }

    /** A named target port resolves per pod, as the endpoints controller does; the first pod that names it wins. */
    private Integer targetPort(String ns, Map<String, String> selector, IntOrString target, Integer port) {
        if (target == null) {
            return port;
        }
        if (target.getIntVal() != null) {
            return target.getIntVal();
        }
        return node.namedPort(ns, selector, target.getStrVal());
    }

    @Override
    public synchronized void close() {
        ports.values().forEach(ServicePort::close);
        ports.clear();
    }
}
