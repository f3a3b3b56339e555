package dev.sshtunnel.operator.gate;

import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.OperatorConfig;
import dev.sshtunnel.operator.observe.SecretKeyReads;
import dev.sshtunnel.operator.observe.SpecSecretRefs;
import dev.sshtunnel.operator.status.SpecHeldBack;
import dev.sshtunnel.operator.tenancy.ResolvedTunnel;
import dev.sshtunnel.operator.tenancy.TunnelResolution;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * The one rule for whether a spec may replace what runs: consistent (what CEL cannot judge), an
 * allowed image, within the guard rails ({@link TunnelGuardRails}), and every referenced Secret key
 * present (and labelled, when the guard rails ask). The workflow's preconditions hold the
 * ConfigMap, Deployment, Service and NetworkPolicy back while it fails, and status reports the
 * same verdict, so a running tunnel is never rewritten into one that cannot start.
 */
@Singleton
public class SpecGate {

    private final ForwarderImagePolicy images;
    private final SecretKeyReads secrets;
    private final TunnelResolution resolution;
    private final TunnelGuardRails guardRails;

    @Inject
    public SpecGate(ForwarderImagePolicy images, SecretKeyReads secrets, TunnelResolution resolution, OperatorConfig config) {
        this.images = images;
        this.secrets = secrets;
        this.resolution = resolution;
        this.guardRails = new TunnelGuardRails(TunnelGuardRails.Settings.of(config.guardRails()));
    }

    /** The verdict of one reconcile, kept in its context. */
    private record Verdict(Optional<SpecHeldBack> heldBack) {
    }

    /**
     * Judged once per reconcile and kept in its context: the preconditions of the ConfigMap, Deployment,
     * Service, NetworkPolicy and PodDisruptionBudget, the deletes they guard and the status all ask.
     */
    public Optional<SpecHeldBack> heldBack(SshTunnel tunnel, Context<SshTunnel> context) {
        var shared = context.managedWorkflowAndDependentResourceContext();
        return shared.get(Verdict.class, Verdict.class).orElseGet(() -> {
            ResolvedTunnel resolved = resolution.of(tunnel, context);
            Verdict verdict = new Verdict(resolved.refusal().isPresent() ? resolved.refusal()
                    : heldBack(tunnel, resolved.rendered(), secrets.of(resolved.rendered(), context))
                            .map(held -> onBastion(resolved, held)));
            shared.put(Verdict.class, verdict);
            return verdict;
        }).heldBack();
    }

    /**
     * {@code stored}: the tunnel as its author wrote it, which the guard rails judge (a bastion's spec.ssh is not
     * inline); {@code tunnel}: as its pods run it ({@link ResolvedTunnel#rendered()}), with its bastion's spec.ssh in
     * place, which the other rules judge.
     */
    Optional<SpecHeldBack> heldBack(SshTunnel stored, SshTunnel tunnel, Map<String, SecretKeyReads.KeyNames> secrets) {
        Optional<String> invalid = SpecConsistency.problem(tunnel);
        if (invalid.isPresent()) {
            return Optional.of(new SpecHeldBack(Reason.InvalidSpec, invalid.get()));
        }
        Optional<String> image = images.problem(tunnel);
        if (image.isPresent()) {
            return Optional.of(new SpecHeldBack(Reason.ImageNotAllowed, image.get()));
        }
        Optional<String> shape = guardRails.shapeProblem(stored);
        if (shape.isPresent()) {
            return Optional.of(new SpecHeldBack(Reason.PolicyDenied, shape.get()));
        }
        SpecSecretRefs references = SpecSecretRefs.of(tunnel);
        Optional<String> missing = references.firstMissing(tunnel.getMetadata().getNamespace(), secrets);
        if (missing.isPresent()) {
            return Optional.of(new SpecHeldBack(Reason.SecretNotFound, missing.get()));
        }
        // Only an inline tunnel's Secrets (stored.spec.ssh): then the rendered tunnel names the same ones.
        return guardRails.secretProblem(stored, references.fieldBySecret(), name -> secrets.get(name).labelledUsable())
                .map(unlabelled -> new SpecHeldBack(Reason.PolicyDenied, unlabelled));
    }

    /**
     * What a tenant reads about a bastion it uses: the bastion's own Secrets and fields are the platform's business, so
     * the message names the bastion and where to look, not the Secret.
     */
    private static SpecHeldBack onBastion(ResolvedTunnel resolved, SpecHeldBack held) {
        return resolved.bastion()
                // Every Secret of such a tunnel is the bastion's, and so is a spec.ssh problem.
                .filter(bastion -> held.reason() == Reason.SecretNotFound
                        || SpecConsistency.sshProblem(bastion.spec().getSsh()).isPresent())
                .map(bastion -> new SpecHeldBack(held.reason(), bastion.describe() + " cannot serve tunnels yet: "
                        + (held.reason() == Reason.SecretNotFound ? "a Secret it names is missing" : "its spec.ssh is invalid")
                        + "; its owner sees why in its status"))
                .orElse(held);
    }

    public boolean passes(SshTunnel tunnel, Context<SshTunnel> context) {
        return heldBack(tunnel, context).isEmpty();
    }
}
