package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import dev.sshtunnel.operator.ForwarderLabels;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Stands in for kube-proxy, for the forwarder Services: each Service port gets a {@link ServicePort}
 * on the host (its own port number when free, else another one, printed either way) that relays to
 * the ready forwarder pods. Not emulated: cluster IPs, DNS names, NetworkPolicy enforcement.
 */
final class ServiceProxies implements AutoCloseable {

    private final KubernetesClient client;
    private final ForwarderKubelet kubelet;
    private final String address;
    private final Consumer<String> log;
    private final Map<String, ServicePort> ports = new HashMap<>();

    ServiceProxies(KubernetesClient client, ForwarderKubelet kubelet, String address, Consumer<String> log) {
        this.client = client;
        this.kubelet = kubelet;
        this.address = address;
        this.log = log;
    }

    synchronized void sync() {
        Set<String> wanted = new HashSet<>();
        for (Service service : client.services().inAnyNamespace()
                .withLabel(ForwarderLabels.MANAGED_BY, ForwarderLabels.OPERATOR_NAME).list().getItems()) {
            String ns = service.getMetadata().getNamespace();
            Map<String, String> selector = service.getSpec().getSelector();
            for (var port : service.getSpec().getPorts()) {
                Integer target = targetPort(ns, selector, port.getTargetPort(), port.getPort());
                if (target == null) {
                    continue; // no pod template defines the named port yet
                }
                String key = ns + "/" + service.getMetadata().getName() + "/" + port.getName() + "/" + port.getPort() + "/" + target;
                wanted.add(key);
                if (!ports.containsKey(key)) {
                    try {
                        ServicePort local = new ServicePort(address, port.getPort(), target,
                                () -> kubelet.readyPodIps(ns, selector));
                        ports.put(key, local);
                        log.accept("service " + ns + "/" + service.getMetadata().getName() + " port "
                                + (port.getName() == null ? "" : port.getName() + " ") + port.getPort() + " -> "
                                + local.localAddress() + ":" + local.localPort());
                    } catch (IOException e) {
                        log.accept("service " + ns + "/" + service.getMetadata().getName() + " port " + port.getPort()
                                + ": cannot listen on " + address + ": " + e.getMessage());
                    }
                }
            }
        }
        ports.keySet().removeIf(key -> {
            if (wanted.contains(key)) {
                return false;
            }
            ports.get(key).close();
            log.accept("service port " + key.substring(0, key.lastIndexOf('/')) + " closed");
            return true;
        });
    }

    private Integer targetPort(String ns, Map<String, String> selector, IntOrString target, Integer port) {
        if (target == null) {
            return port;
        }
        if (target.getIntVal() != null) {
            return target.getIntVal();
        }
        for (Deployment d : client.apps().deployments().inNamespace(ns).list().getItems()) {
            Map<String, String> labels = d.getSpec().getTemplate().getMetadata().getLabels();
            if (labels != null && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
                for (var container : d.getSpec().getTemplate().getSpec().getContainers()) {
                    for (ContainerPort p : container.getPorts()) {
                        if (target.getStrVal().equals(p.getName())) {
                            return p.getContainerPort();
                        }
                    }
                }
            }
        }
        return null;
    }

    @Override
    public synchronized void close() {
        ports.values().forEach(ServicePort::close);
        ports.clear();
    }
}
