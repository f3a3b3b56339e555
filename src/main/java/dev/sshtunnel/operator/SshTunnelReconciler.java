package dev.sshtunnel.operator;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

public class SshTunnelReconciler implements Reconciler<SshTunnel> {
    @Override
    public UpdateControl<SshTunnel> reconcile(SshTunnel resource, Context<SshTunnel> context) {
        return UpdateControl.noUpdate();
    }
}
