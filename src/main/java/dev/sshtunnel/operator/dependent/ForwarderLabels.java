package dev.sshtunnel.operator.dependent;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** Labels on everything the operator creates; the selector part never changes for a tunnel. */
public final class ForwarderLabels {

    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String OPERATOR_NAME = "sshtunnel-operator";
    /** Dependent informers only cache objects carrying this label. */
    public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + OPERATOR_NAME;
    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String FORWARDER = "sshtunnel-forwarder";
    /** On objects placed in a bastion's namespace: the tunnel they serve (owner references cannot cross namespaces). */
    public static final String TUNNEL_NAMESPACE = "sshtunnel.dev/tunnel-namespace";
    public static final String TUNNEL_NAME = "sshtunnel.dev/tunnel-name";

    private ForwarderLabels() {
    }

    /** Pod selector of a tunnel's Deployment and Service. */
    public static Map<String, String> selector(SshTunnel tunnel) {
        return Map.of(NAME, FORWARDER, INSTANCE, tunnel.getMetadata().getName());
    }

    /** Which tunnel an object placed in another namespace serves. */
    public static Map<String, String> servedTunnel(SshTunnel tunnel) {
        return Map.of(TUNNEL_NAMESPACE, tunnel.getMetadata().getNamespace(), TUNNEL_NAME, tunnel.getMetadata().getName());
    }

    /**
     * The tunnel an object the operator labelled belongs to: the one its served-tunnel labels name, else the tunnel of
     * its own namespace its instance label names. Labels, not owner references, so that objects in a bastion's namespace
     * map back to their tunnel too.
     */
    public static Set<ResourceID> tunnelOf(HasMetadata object) {
        Map<String, String> labels = object.getMetadata().getLabels();
        if (labels == null) {
            return Set.of();
        }
        if (labels.containsKey(TUNNEL_NAMESPACE) && labels.containsKey(TUNNEL_NAME)) {
            return Set.of(new ResourceID(labels.get(TUNNEL_NAME), labels.get(TUNNEL_NAMESPACE)));
        }
        String instance = labels.get(INSTANCE);
        return instance == null ? Set.of() : Set.of(new ResourceID(instance, object.getMetadata().getNamespace()));
    }

    public static Map<String, String> all(SshTunnel tunnel) {
        // Mutable: the operator SDK adds its own metadata to what a dependent desires.
        return new HashMap<>(Map.of(NAME, FORWARDER, INSTANCE, tunnel.getMetadata().getName(),
                COMPONENT, "forwarder", MANAGED_BY, OPERATOR_NAME));
    }
}
