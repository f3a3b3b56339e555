package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Stands in for kube-proxy: each port of a Service with a selector gets a {@link ServicePort} on the
 * host (its own port number when free, else another one, printed either way) that relays to the ready
 * pods the selector matches on the sandbox's node; an ExternalName alias relays to the pods of the
 * Service it names. Their DNS names resolve to the relay in this JVM ({@link ClusterNames}). Not emulated: cluster IPs,
 * NetworkPolicy enforcement.
 */
final class ServiceProxies implements AutoCloseable {

    private final KubernetesClient client;
    private final NodeAgent node;
    private final String address;
    private final Consumer<String> log;
    private final Map<String, ServicePort> ports = new HashMap<>();
    private Map<String, String> published = Map.of();

    ServiceProxies(KubernetesClient client, NodeAgent node, String address, Consumer<String> log) {
        this.client = client;
        this.node = node;
        this.address = address;
        this.log = log;
    }

    /** {@code podNamespace}, {@code selector}: where the ready pods are (for an alias, those of the Service it names). */
    private record Wanted(String namespace, String service, String portName, int port, int target, String podNamespace,
            Map<String, String> selector) {
        String key() {
            return namespace + "/" + service + "/" + portName + "/" + port + "/" + target + "/" + podNamespace;
        }
    }

    /**
     * As kube-proxy does: every Service with a selector is relayed to the ready pods it selects, whoever made it.
     * An ExternalName Service naming {@code <service>.<namespace>.svc[.<domain>]} of this cluster stands in for
     * the DNS answer a pod would get: it is relayed to the pods of the Service it names.
     */
    synchronized void sync() {
        Map<String, Wanted> wanted = new LinkedHashMap<>();
        for (Service service : client.services().inAnyNamespace().list().getItems()) {
            String ns = service.getMetadata().getNamespace();
            Map<String, String> selector = service.getSpec().getSelector();
            if ("ExternalName".equals(service.getSpec().getType())) {
                String[] target = service.getSpec().getExternalName().split("\\.");
                Service aliased = target.length < 3 || !"svc".equals(target[2]) ? null
                        : client.services().inNamespace(target[1]).withName(target[0]).get();
                if (aliased == null) {
                    continue;
                }
                ns = target[1];
                selector = aliased.getSpec().getSelector();
            }
            if (selector == null || selector.isEmpty()) {
                continue; // endpoints kept by hand (the API server's own Service): nothing a selector could find
            }
            for (var port : service.getSpec().getPorts()) {
                Integer target = targetPort(ns, selector, port.getTargetPort(), port.getPort());
                if (target != null) { // else no pod template defines the named port yet
                    Wanted w = new Wanted(service.getMetadata().getNamespace(), service.getMetadata().getName(), port.getName(),
                            port.getPort(), target, ns, selector);
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
                ServicePort local = new ServicePort(address, w.port(), w.target(), () -> node.readyPodIps(w.podNamespace(), w.selector()));
                ports.put(w.key(), local);
                log.accept("service " + w.namespace() + "/" + w.service() + " port "
                        + (w.portName() == null ? "" : w.portName() + " ") + w.port() + " -> " + local.localAddress() + ":"
                        + local.localPort() + (local.fallbackReason() == null ? "" : " (" + w.port() + ": " + local.fallbackReason() + ")"));
            } catch (IOException e) {
                log.accept("service " + w.namespace() + "/" + w.service() + " port " + w.port() + ": cannot listen on " + address
                        + ": " + e.getMessage());
            }
        }
        publishNames();
    }

    /**
     * Cluster DNS names of the Services whose every relayed port listens on its own number (a Service relayed on another
     * port would be reached at the wrong one by its name).
     */
    private void publishNames() {
        Map<String, Boolean> ownPorts = new LinkedHashMap<>();
        ports.forEach((key, port) -> {
            String[] parts = key.split("/", -1);
            ownPorts.merge(parts[1] + "." + parts[0], port.fallbackReason() == null, Boolean::logicalAnd);
        });
        Map<String, String> names = new LinkedHashMap<>();
        ownPorts.forEach((name, own) -> {
            if (own) {
                names.put(name, address);
            }
        });
        if (!names.equals(published)) {
            ClusterNames.publish(names);
            published = names;
        }
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

    /** Where a Service port is relayed on the host, once it is. */
    synchronized Optional<InetSocketAddress> relay(String namespace, String service, String portName) {
        return ports.entrySet().stream()
                .filter(e -> e.getKey().startsWith(namespace + "/" + service + "/" + portName + "/"))
                .map(e -> new InetSocketAddress(e.getValue().localAddress(), e.getValue().localPort()))
                .findFirst();
    }

    @Override
    public synchronized void close() {
        ports.values().forEach(ServicePort::close);
        ports.clear();
    }
}
