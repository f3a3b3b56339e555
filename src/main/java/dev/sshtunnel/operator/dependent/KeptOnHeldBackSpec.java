package dev.sshtunnel.operator.dependent;

import java.util.Optional;

import jakarta.inject.Inject;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.gate.SpecGate;
import dev.sshtunnel.operator.tenancy.TunnelResolution;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;

/**
 * A dependent whose precondition failing deletes it (the Service without listening forwards, the
 * NetworkPolicy turned off), except while the spec is held back by the {@link SpecGate}: an invalid
 * edit leaves the running tunnel's object in place.
 */
abstract class KeptOnHeldBackSpec<R extends HasMetadata> extends CRUDKubernetesDependentResource<R, SshTunnel> {

    @Inject
    SpecGate gate;

    @Inject
    TunnelResolution resolution;

    KeptOnHeldBackSpec(Class<R> type) {
        super(type);
    }

    /** By labels, which also name the tunnel of an object in a bastion's namespace. */
    @Override
    protected Optional<SecondaryToPrimaryMapper<R>> getSecondaryToPrimaryMapper(EventSourceContext<SshTunnel> context) {
        return PlacedObjects.mapper(context);
    }

    /** Within the tunnel's namespace JOSDK's owner reference; across namespaces {@link PlacedObjects#metadata} ties it. */
    @Override
    protected void addReferenceHandlingMetadata(R desired, SshTunnel primary) {
        if (PlacedObjects.ownedByTunnel(desired, primary)) {
            super.addReferenceHandlingMetadata(desired, primary);
        }
    }

    /** Called when the precondition fails: only a spec that passes the gate removes the object. */
    @Override
    public void delete(SshTunnel tunnel, Context<SshTunnel> context) {
        if (gate.passes(tunnel, context)) {
            super.delete(tunnel, context);
        }
    }
}
