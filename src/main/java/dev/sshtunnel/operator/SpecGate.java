package dev.sshtunnel.operator;

import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.status.SpecHeldBack;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * The one rule for whether a spec may replace what runs: consistent (what CEL cannot judge), an
 * allowed image, and every referenced Secret key present. The workflow's preconditions hold the
 * ConfigMap, Deployment, Service and NetworkPolicy back while it fails, and status reports the
 * same verdict, so a running tunnel is never rewritten into one that cannot start.
 */
@Singleton
public class SpecGate {

    private final ForwarderImagePolicy images;

    @Inject
    public SpecGate(ForwarderImagePolicy images) {
        this.images = images;
    }

    public Optional<SpecHeldBack> heldBack(SshTunnel tunnel, Map<String, Secret> secrets) {
        Optional<String> invalid = SpecConsistency.problem(tunnel);
        if (invalid.isPresent()) {
            return Optional.of(new SpecHeldBack(Reason.InvalidSpec, invalid.get()));
        }
        Optional<String> image = images.problem(tunnel);
        if (image.isPresent()) {
            return Optional.of(new SpecHeldBack(Reason.ImageNotAllowed, image.get()));
        }
        return SecretReferences.of(tunnel).firstMissing(tunnel.getMetadata().getNamespace(), secrets)
                .map(missing -> new SpecHeldBack(Reason.SecretNotFound, missing));
    }

    public boolean passes(SshTunnel tunnel, Context<SshTunnel> context) {
        return heldBack(tunnel, ReferencedSecrets.of(tunnel, context)).isEmpty();
    }
}
