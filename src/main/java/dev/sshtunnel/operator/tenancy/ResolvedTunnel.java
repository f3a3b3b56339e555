package dev.sshtunnel.operator.tenancy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.SshSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.dependent.ForwarderLabels;
import dev.sshtunnel.operator.status.SpecHeldBack;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * A tunnel as its forwarder runs it, computed once per reconcile: {@link #rendered()} is the tunnel with its bastion's
 * spec.ssh in place of spec.bastionRef and each target.service written as its cluster DNS name, named and namespaced
 * where its pods run. For a tunnel on a ClusterSshBastion that is the bastion's credentials namespace (so the tenant's
 * namespace never holds the key), under a name unique there; otherwise the tunnel's own namespace and name.
 *
 * @param tunnel the SshTunnel as stored
 * @param rendered what the ConfigMap, Deployment, NetworkPolicy and budget are made from
 * @param bastion the bastion the tunnel names, when it names one that exists
 * @param refusal why the bastion may not carry this tunnel (or does not exist); empty for an inline tunnel
 */
public record ResolvedTunnel(SshTunnel tunnel, SshTunnel rendered, Optional<Bastion> bastion, Optional<SpecHeldBack> refusal) {

    /** Cluster DNS zone suffix of a Service: resolvable from any pod with cluster DNS, whichever its namespace. */
    static final String SERVICE_DOMAIN = "svc";
    /** Characters of the tunnel's name kept in the placed objects' names, leaving room for the hash and pod suffixes. */
    private static final int NAME_PREFIX = 36;

    /** Whether the pods run outside the tunnel's namespace (owner references cannot cross; the finalizer cleans up). */
    public boolean crossNamespace() {
        return !rendered.getMetadata().getNamespace().equals(tunnel.getMetadata().getNamespace());
    }

    /** The cluster-scoped bastion that owns the placed objects when they cross namespaces (deleting it removes them). */
    public Optional<HasMetadata> placedOwner() {
        return crossNamespace() ? bastion.map(Bastion::object) : Optional.empty();
    }

    /** Labels of every placed object: the usual ones, plus, across namespaces, which tunnel it serves. */
    public Map<String, String> labels() {
        Map<String, String> labels = ForwarderLabels.all(rendered);
        if (crossNamespace()) {
            labels.putAll(ForwarderLabels.servedTunnel(tunnel));
        }
        return labels;
    }

    static ResolvedTunnel inline(SshTunnel tunnel) {
        return new ResolvedTunnel(tunnel, render(tunnel, tunnel.getSpec().getSsh(), tunnel.getMetadata().getNamespace()),
                Optional.empty(), Optional.empty());
    }

    static ResolvedTunnel onBastion(SshTunnel tunnel, Bastion bastion, Optional<SpecHeldBack> refusal) {
        return new ResolvedTunnel(tunnel, render(tunnel, bastion.spec().getSsh(), bastion.credentialsNamespace()),
                Optional.of(bastion), refusal);
    }

    static ResolvedTunnel withoutBastion(SshTunnel tunnel, SpecHeldBack refusal) {
        return new ResolvedTunnel(tunnel, render(tunnel, null, tunnel.getMetadata().getNamespace()), Optional.empty(),
                Optional.of(refusal));
    }

    private static SshTunnel render(SshTunnel tunnel, SshSpec ssh, String namespace) {
        boolean rewrite = tunnel.getSpec().getBastionRef() != null || tunnel.getSpec().getForwards().stream()
                .anyMatch(f -> f.getTarget() != null && f.getTarget().getService() != null);
        if (!rewrite) {
            return tunnel;
        }
        SshTunnel copy = Serialization.clone(tunnel);
        copy.getSpec().setBastionRef(null);
        copy.getSpec().setSsh(ssh == null ? null : Serialization.clone(ssh));
        for (ForwardSpec forward : copy.getSpec().getForwards()) {
            if (forward.getTarget() != null && forward.getTarget().getService() != null) {
                forward.getTarget().setHost(serviceHost(forward.getTarget().getService(), tunnel.getMetadata().getNamespace()));
                forward.getTarget().setService(null);
            }
        }
        if (!namespace.equals(tunnel.getMetadata().getNamespace())) {
            copy.setMetadata(new ObjectMetaBuilder(copy.getMetadata())
                    .withNamespace(namespace)
                    .withName(placedName(tunnel))
                    .build());
        }
        return copy;
    }

    /** A Service of the tunnel's namespace by its cluster DNS name. */
    public static String serviceHost(String service, String namespace) {
        return service + "." + namespace + "." + SERVICE_DOMAIN;
    }

    /**
     * Name of a tunnel's objects in a bastion's namespace: the tunnel's name (cut short) and a hash of namespace/name, so
     * tunnels of different namespaces never share one, and the Deployment's pod names stay within 63 characters.
     */
    static String placedName(SshTunnel tunnel) {
        String name = tunnel.getMetadata().getName();
        String prefix = name.length() <= NAME_PREFIX ? name : name.substring(0, NAME_PREFIX);
        while (prefix.endsWith("-") || prefix.endsWith(".")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((tunnel.getMetadata().getNamespace() + "/" + name).getBytes(StandardCharsets.UTF_8));
            return prefix + "-" + HexFormat.of().formatHex(digest, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
