package dev.sshtunnel.operator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import dev.sshtunnel.config.TunnelConfigLoader;
import dev.sshtunnel.forwarder.ForwarderProcess;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Stands in for the kubelet of one forwarder pod on the Fabric8 mock API server: materialises the
 * Deployment's ConfigMap and Secret volumes into a directory laid out like the pod's
 * /etc/sshtunnel, runs the forwarder with the pod's arguments, and writes a Running Pod with a
 * loopback address (127.0.1.x) as its pod IP, so the operator reaches podIP:8081 as in a cluster.
 * Not emulated: scheduling, probes (readiness is written directly), restarts, kube-proxy; listeners
 * bind 127.0.0.1 instead of the pod's 0.0.0.0 so nothing is exposed beyond loopback.
 */
final class KubeletStandIn implements AutoCloseable {

    private final KubernetesClient client;
    private final Pod pod;
    private final ForwarderProcess forwarder;

    private KubeletStandIn(KubernetesClient client, Pod pod, ForwarderProcess forwarder) {
        this.client = client;
        this.pod = pod;
        this.forwarder = forwarder;
    }

    static KubeletStandIn run(KubernetesClient client, Deployment deployment, String podIp, Path root) throws Exception {
        String ns = deployment.getMetadata().getNamespace();
        var spec = deployment.getSpec().getTemplate().getSpec();
        Path etc = root.resolve("etc/sshtunnel");
        Files.createDirectories(etc.resolve("secrets"));
        for (var volume : spec.getVolumes()) {
            if (volume.getConfigMap() != null) {
                ConfigMap configMap = client.configMaps().inNamespace(ns).withName(volume.getConfigMap().getName()).get();
                Files.writeString(etc.resolve("tunnel.yaml"), configMap.getData().get("tunnel.yaml"));
            }
            if (volume.getSecret() != null) {
                Secret secret = client.secrets().inNamespace(ns).withName(volume.getSecret().getSecretName()).get();
                Path dir = etc.resolve("secrets").resolve(secret.getMetadata().getName());
                Files.createDirectories(dir);
                for (var item : volume.getSecret().getItems()) {
                    Files.write(dir.resolve(item.getPath()), Base64.getDecoder().decode(secret.getData().get(item.getKey())));
                }
            }
        }
        var args = spec.getContainers().get(0).getArgs();
        if (!args.equals(java.util.List.of("forward", "-f", "/etc/sshtunnel/tunnel.yaml", "--secrets-dir", "/etc/sshtunnel/secrets",
                "--bind-address", "0.0.0.0"))) {
            throw new IllegalStateException("unexpected forwarder arguments " + args);
        }
        ForwarderProcess forwarder = new ForwarderProcess(
                TunnelConfigLoader.load(etc.resolve("tunnel.yaml"), etc.resolve("secrets")),
                "127.0.0.1", podIp, ForwarderPorts.HTTP, Duration.ofSeconds(1));
        Map<String, String> labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        Pod pod = client.resource(new PodBuilder()
                .withNewMetadata().withName(deployment.getMetadata().getName() + "-standin").withNamespace(ns)
                    .withLabels(labels).endMetadata()
                .withSpec(spec)
                .withNewStatus().withPhase("Running").withPodIP(podIp).endStatus()
                .build()).create();
        return new KubeletStandIn(client, pod, forwarder);
    }

    ForwarderProcess forwarder() {
        return forwarder;
    }

    @Override
    public void close() throws IOException {
        forwarder.close();
        client.resource(pod).delete();
    }
}
