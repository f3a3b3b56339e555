package dev.sshtunnel.operator.gate;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.OperatorConfig;
import dev.sshtunnel.untrusted.UntrustedText;

/**
 * Which image forwarder pods run. The pods mount the tunnel's SSH keys, so a tunnel author may only
 * choose among images the operator's admin allowed (sshtunnel.forwarder.allowed-images); the
 * operator's own forwarder image is always allowed and is the default.
 */
@Singleton
public class ForwarderImagePolicy {

    private final OperatorConfig.Forwarder config;

    @Inject
    public ForwarderImagePolicy(OperatorConfig config) {
        this.config = config.forwarder();
    }

    /** spec.forwarder.image, or the operator's image when it is empty. */
    public String imageOf(SshTunnel tunnel) {
        var forwarder = tunnel.getSpec().getForwarder();
        return forwarder == null || forwarder.getImage() == null || forwarder.getImage().isBlank() ? config.image()
                : forwarder.getImage();
    }

    /** Why the tunnel's image may not run, with what to do about it; empty when it may. */
    public Optional<String> problem(SshTunnel tunnel) {
        String image = imageOf(tunnel);
        List<String> allowed = allowed();
        if (allowed.stream().anyMatch(entry -> matches(entry, image))) {
            return Optional.empty();
        }
        return Optional.of("spec.forwarder.image \"" + UntrustedText.clean(image, UntrustedText.FIELD)
                + "\" is not allowed by the operator: forwarder pods hold the tunnel's SSH keys; leave it empty for the "
                + "operator's image or use one of " + allowed + " (the operator's admin can allow more with "
                + "SSHTUNNEL_FORWARDER_ALLOWED_IMAGES)");
    }

    private List<String> allowed() {
        List<String> allowed = new ArrayList<>();
        allowed.add(config.image());
        config.allowedImages().ifPresent(list -> list.stream().map(String::trim).filter(e -> !e.isEmpty())
                .forEach(allowed::add));
        return allowed;
    }

    private static boolean matches(String entry, String image) {
        return entry.endsWith("*") ? image.startsWith(entry.substring(0, entry.length() - 1)) : entry.equals(image);
    }
}
