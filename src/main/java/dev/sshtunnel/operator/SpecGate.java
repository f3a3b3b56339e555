package dev.sshtunnel.operator;

import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.guardrails.TunnelGuardRails;
import dev.sshtunnel.operator.status.SpecHeldBack;
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
    private final ReferencedSecrets secrets;
    private final TunnelGuardRails guardRails;

    @Inject
    public SpecGate(ForwarderImagePolicy images, ReferencedSecrets secrets, OperatorConfig config) {
        this(images, secrets, new TunnelGuardRails(TunnelGuardRails.Settings.of(config.guardRails())));
    }

    SpecGate(ForwarderImagePolicy images, ReferencedSecrets secrets, TunnelGuardRails guardRails) {
        this.images = images;
        this.secrets = secrets;
        this.guardRails = guardRails;
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
            Verdict verdict = new Verdict(heldBack(tunnel, secrets.of(tunnel, context)));
            shared.put(Verdict.class, verdict);
            return verdict;
        }).heldBack();
    }

    Optional<SpecHeldBack> heldBack(SshTunnel tunnel, Map<String, ReferencedSecrets.KeyNames> secrets) {
        Optional<String> invalid = SpecConsistency.problem(tunnel);
        if (invalid.isPresent()) {
            return Optional.of(new SpecHeldBack(Reason.InvalidSpec, invalid.get()));
        }
        Optional<String> image = images.problem(tunnel);
        if (image.isPresent()) {
            return Optional.of(new SpecHeldBack(Reason.ImageNotAllowed, image.get()));
        }
        Optional<String> shape = guardRails.shapeProblem(tunnel);
        if (shape.isPresent()) {
            return Optional.of(new SpecHeldBack(Reason.PolicyDenied, shape.get()));
        }
        SecretReferences references = SecretReferences.of(tunnel);
        Optional<String> missing = references.firstMissing(tunnel.getMetadata().getNamespace(), secrets);
        if (missing.isPresent()) {
            return Optional.of(new SpecHeldBack(Reason.SecretNotFound, missing.get()));
        }
        return guardRails.secretProblem(tunnel, references.fieldBySecret(), name -> secrets.get(name).labelledUsable())
                .map(unlabelled -> new SpecHeldBack(Reason.PolicyDenied, unlabelled));
    }

    public boolean passes(SshTunnel tunnel, Context<SshTunnel> context) {
        return heldBack(tunnel, context).isEmpty();
    }
}
