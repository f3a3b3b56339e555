package dev.sshtunnel.operator;

import java.util.HashMap;
import java.util.Map;

import dev.sshtunnel.api.v1alpha1.SshTunnel;

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

    private ForwarderLabels() {
    }

    /** Pod selector of a tunnel's Deployment and Service. */
    public static Map<String, String> selector(SshTunnel tunnel) {
        return Map.of(NAME, FORWARDER, INSTANCE, tunnel.getMetadata().getName());
    }

    public static Map<String, String> all(SshTunnel tunnel) {
        // Mutable: the operator SDK adds its own metadata to what a dependent desires.
        return new HashMap<>(Map.of(NAME, FORWARDER, INSTANCE, tunnel.getMetadata().getName(),
                COMPONENT, "forwarder", MANAGED_BY, OPERATOR_NAME));
    }
}
