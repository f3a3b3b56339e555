package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import dev.sshtunnel.operator.dependent.ForwarderLabels;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Stands in for kube-proxy, for the forwarder Services: each Service port gets a {@link ServicePort}
 * on the host (its own port number when free, else another one, printed either way) that relays to
 * the ready forwarder pods; an ExternalName alias relays to the pods of the Service it names. Not emulated: cluster IPs, DNS names, NetworkPolicy enforcement.
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

    /** {@code podNamespace}, {@code selector}: where the ready pods are (for an alias, those of the Service it names). */
    private record Wanted(String namespace, String service, String portName, int port, int target, String podNamespace,
            Map<String, String> selector) {
        String key() {
            return namespace + "/" + service + "/" + portName + "/" + port + "/" + target + "/" + podNamespace;
        }
    }

    synchronized void sync() {
        Map<String, Wanted> wanted = new LinkedHashMap<>();
        for (Service service : client.services().inAnyNamespace()
                .withLabel(ForwarderLabels.MANAGED_BY, ForwarderLabels.OPERATOR_NAME).list().getItems()) {
            if (service.getMetadata().getLabels().containsKey(ForwarderLabels.TUNNEL_NAMESPACE)) {
                continue; // beside pods in a bastion's namespace: relayed through the tenant's alias of it
            }
            String ns = service.getMetadata().getNamespace();
            Map<String, String> selector = service.getSpec().getSelector();
            if ("ExternalName".equals(service.getSpec().getType())) {
                // The alias a tenant gets of the forwards' Service in a bastion's namespace: <name>.<namespace>.svc.<domain>.
                String[] target = service.getSpec().getExternalName().split("\\.");
                Service aliased = target.length < 3 ? null : client.services().inNamespace(target[1]).withName(target[0]).get();
                if (aliased == null) {
                    continue;
                }
                ns = target[1];
                selector = aliased.getSpec().getSelector();
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
