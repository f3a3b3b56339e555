package dev.sshtunnel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * The records of the test node's cluster DNS, kept from the API as CoreDNS keeps them: an informer on every
 * Service of every namespace rewrites one hosts file, {@code <clusterIP> <svc>.<ns>.svc.cluster.local}, which
 * dnsmasq (started with {@code --hostsdir} on its directory) reloads by inotify, deletions included. A watcher
 * rather than records published by each test: a Service made by anyone (the operator, kubectl, a chart) resolves
 * without the test knowing it exists, as on a real cluster.
 * <p>
 * Headless Services (no ClusterIP) get no record. An ExternalName Service that names a Service of this cluster
 * ({@code svc.ns.svc[.cluster.local]}, a tenant's alias of a tunnel) gets that Service's ClusterIP: the CNAME
 * CoreDNS would answer, flattened, since a hosts file holds addresses only. Other ExternalNames get nothing.
 */
final class ServiceRecords implements AutoCloseable {

    static final String CLUSTER_DOMAIN = "cluster.local";
    private static final String FILE = "services";

    private final Path file;
    private final Path scratch;
    private final SharedIndexInformer<Service> informer;

    /** Starts watching with {@code client}'s identity (it lists and watches Services cluster-wide) into {@code dir}. */
    ServiceRecords(KubernetesClient client, Path dir) throws IOException {
        Files.createDirectories(dir);
        this.file = dir.resolve(FILE);
        // dnsmasq skips dot files: the new file is written there, then renamed over the old one.
        this.scratch = dir.resolve("." + FILE);
        write(Map.of());
        this.informer = client.services().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Service service) {
                rewrite();
            }

            @Override
            public void onUpdate(Service before, Service after) {
                rewrite();
            }

            @Override
            public void onDelete(Service service, boolean finalStateUnknown) {
                rewrite();
            }
        });
        rewrite();
    }

    /** {@code <name>.<namespace>.svc.cluster.local}: the name cluster DNS answers with a Service's ClusterIP. */
    static String dnsName(String namespace, String name) {
        return name + "." + namespace + ".svc." + CLUSTER_DOMAIN;
    }

    /** The address the hosts file gives {@code name} now, or null. */
    synchronized String address(String name) {
        try {
            return Files.readAllLines(file).stream().map(line -> line.split(" ")).filter(f -> f.length == 2 && f[1].equals(name))
                    .map(f -> f[0]).findFirst().orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Service's ClusterIP as the watch last saw it, or null when it saw no such Service. */
    String clusterIp(String namespace, String name) {
        Service service = informer.getStore().getByKey(namespace + "/" + name);
        return service == null ? null : service.getSpec().getClusterIP();
    }

    /** The hosts file as dnsmasq reads it. */
    String records() throws IOException {
        return Files.readString(file);
    }

    private synchronized void rewrite() {
        if (informer == null) {
            return;
        }
        Map<String, String> byName = new HashMap<>();
        for (Service service : informer.getStore().list()) {
            String ip = service.getSpec().getClusterIP();
            if (ip != null && !ip.isBlank() && !"None".equals(ip)) {
                byName.put(dnsName(service.getMetadata().getNamespace(), service.getMetadata().getName()), ip);
            }
        }
        Map<String, String> records = new TreeMap<>(byName);
        for (Service service : informer.getStore().list()) {
            String external = service.getSpec().getExternalName();
            if ("ExternalName".equals(service.getSpec().getType()) && external != null) {
                String target = external.replaceFirst("\\.$", "").replaceFirst("\\.svc$", ".svc." + CLUSTER_DOMAIN);
                String ip = byName.get(target);
                if (ip != null) {
                    records.put(dnsName(service.getMetadata().getNamespace(), service.getMetadata().getName()), ip);
                }
            }
        }
        write(records);
    }

    private void write(Map<String, String> records) {
        StringBuilder hosts = new StringBuilder();
        records.forEach((name, ip) -> hosts.append(ip).append(' ').append(name).append('\n'));
        try {
            Files.writeString(scratch, hosts);
            Files.move(scratch, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }
}
