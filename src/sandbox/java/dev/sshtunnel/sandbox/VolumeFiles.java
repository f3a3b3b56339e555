package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Writes a pod's ConfigMap, Secret and emptyDir volumes under a root directory at their mount
 * paths, as the kubelet would mount them (items, subPath; secret files mode 0400: the kubelet adds group
 * read for the pod's fsGroup, which a process of the sandbox's own user does not need),
 * and brings them up to date again when called for a running pod.
 */
final class VolumeFiles {

    /** The ConfigMap, Secret or key a volume needs does not exist yet: the pod waits, as in ContainerCreating. */
    static final class MissingSourceException extends Exception {
        MissingSourceException(String message) {
            super(message);
        }
    }

    private VolumeFiles() {
    }

    static void materialise(KubernetesClient client, String namespace, Volume volume, VolumeMount mount, Path podRoot)
            throws IOException, MissingSourceException {
        Path target = podRoot.resolve(mount.getMountPath().replaceFirst("^/", ""));
        if (volume.getEmptyDir() != null) {
            Files.createDirectories(target);
            return;
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        boolean secret = volume.getSecret() != null;
        if (volume.getConfigMap() != null) {
            ConfigMap configMap = client.configMaps().inNamespace(namespace).withName(volume.getConfigMap().getName()).get();
            if (configMap == null) {
                throw new MissingSourceException("configmap \"" + volume.getConfigMap().getName() + "\" not found");
            }
            Map<String, byte[]> data = new LinkedHashMap<>();
            configMap.getData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
            select(data, volume.getConfigMap().getItems(), files, "configmap " + volume.getConfigMap().getName());
        } else if (secret) {
            Secret object = client.secrets().inNamespace(namespace).withName(volume.getSecret().getSecretName()).get();
            if (object == null) {
                throw new MissingSourceException("secret \"" + volume.getSecret().getSecretName() + "\" not found");
            }
            Map<String, byte[]> data = new LinkedHashMap<>();
            if (object.getData() != null) {
                object.getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
            }
            if (object.getStringData() != null) {
                object.getStringData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
            }
            select(data, volume.getSecret().getItems(), files, "secret " + volume.getSecret().getSecretName());
        } else {
            throw new IOException("volume " + volume.getName() + " has a type the sandbox does not mount");
        }
        if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
            byte[] content = files.get(mount.getSubPath());
            if (content == null) {
                throw new MissingSourceException("subPath " + mount.getSubPath() + " not found in volume " + volume.getName());
            }
            write(target, content, secret);
            return;
        }
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            write(target.resolve(file.getKey()), file.getValue(), secret);
        }
        // A key no longer in the source disappears from the volume, as with the kubelet.
        try (var present = Files.list(target)) {
            for (Path file : present.toList()) {
                if (!files.containsKey(file.getFileName().toString()) && Files.isRegularFile(file)) {
                    Files.delete(file);
                }
            }
        }
    }

    private static void select(Map<String, byte[]> data, java.util.List<KeyToPath> items, Map<String, byte[]> files, String source)
            throws MissingSourceException {
        if (items == null || items.isEmpty()) {
            files.putAll(data);
            return;
        }
        for (KeyToPath item : items) {
            byte[] value = data.get(item.getKey());
            if (value == null) {
                throw new MissingSourceException("key \"" + item.getKey() + "\" not found in " + source);
            }
            files.put(item.getPath(), value);
        }
    }

    /** Unchanged content is left alone; changed content replaces the file in one step (the kubelet swaps a symlink). */
    private static void write(Path file, byte[] content, boolean secret) throws IOException {
        Files.createDirectories(file.getParent());
        if (Files.isRegularFile(file) && java.util.Arrays.equals(Files.readAllBytes(file), content)) {
            return;
        }
        Path next = file.resolveSibling(".." + file.getFileName() + ".next");
        Files.deleteIfExists(next);
        Files.write(next, content);
        if (secret) {
            Files.setPosixFilePermissions(next, Set.of(PosixFilePermission.OWNER_READ));
        }
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
