package dev.sshtunnel.operator.tenancy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.LocalTargets;
import dev.sshtunnel.api.v1alpha1.PortAllocation;
import dev.sshtunnel.api.v1alpha1.PortRanges;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.status.SpecHeldBack;

/**
 * The one rule for what a tunnel may do through a bastion: its namespace is granted, each Remote bind is one the bastion
 * lists, each Local target is one it allows. The ledger (who holds a granted bind) is {@link PortLedger}'s. I/O-free.
 */
public final class BastionGrant {

    private BastionGrant() {
    }

    /** Why the tunnel may not use the bastion at all, or empty. */
    public static Optional<SpecHeldBack> refusal(Bastion bastion, SshTunnel tunnel, Map<String, String> namespaceLabels) {
        String namespace = tunnel.getMetadata().getNamespace();
        if (bastion.kind() == BastionKind.ClusterSshBastion
                && !bastion.allowedNamespaces().map(a -> NamespaceGrant.admits(a, namespaceLabels)).orElse(false)) {
            return Optional.of(new SpecHeldBack(Reason.BastionNotAllowed, bastion.describe() + " is not granted to namespace "
                    + namespace + ": its spec.allowedNamespaces does not select it; ask the bastion's owner to add it"));
        }
        if (bastion.kind() == BastionKind.SshBastion && !bastion.object().getMetadata().getNamespace().equals(namespace)) {
            return Optional.of(new SpecHeldBack(Reason.BastionNotAllowed, "an SshBastion serves the tunnels of its own namespace only"));
        }
        for (ForwardSpec forward : tunnel.getSpec().getForwards()) {
            if (forward.getType() == ForwardType.Remote) {
                Optional<String> bind = bindProblem(bastion, forward);
                if (bind.isPresent()) {
                    return Optional.of(new SpecHeldBack(Reason.BindNotAllowed, bind.get()));
                }
            } else if (forward.getType() == ForwardType.Local && bastion.spec().getLocal() != null
                    && forward.getTarget() != null && forward.getTarget().getHost() != null
                    && !LocalTargets.allows(bastion.spec().getLocal().getTargets(), forward.getTarget().getHost(),
                            forward.getTarget().getPort())) {
                return Optional.of(new SpecHeldBack(Reason.TargetNotAllowed, "forward " + forward.getName() + ": target "
                        + forward.getTarget().getHost() + ":" + forward.getTarget().getPort() + " is not in " + bastion.describe()
                        + "'s local.targets " + bastion.spec().getLocal().getTargets()
                        + "; use a listed target or ask the bastion's owner to add it"));
            }
        }
        return Optional.empty();
    }

    private static Optional<String> bindProblem(Bastion bastion, ForwardSpec forward) {
        String prefix = "forward " + forward.getName() + ": ";
        var remote = bastion.spec().getRemote();
        if (remote == null) {
            return Optional.of(prefix + bastion.describe() + " grants no Remote forwards (it has no spec.remote)");
        }
        String address = bindAddressOf(forward);
        if (!remote.getBindAddresses().contains(address)) {
            return Optional.of(prefix + "bindAddress " + address + " is not in " + bastion.describe() + "'s remote.bindAddresses "
                    + remote.getBindAddresses());
        }
        if (!PortRanges.contains(remote.getPorts(), forward.getPort())) {
            return Optional.of(prefix + "port " + forward.getPort() + " is not in " + bastion.describe() + "'s remote.ports "
                    + remote.getPorts());
        }
        return Optional.empty();
    }

    public static String bindAddressOf(ForwardSpec forward) {
        return forward.getBindAddress() == null ? ForwardSpec.DEFAULT_BIND_ADDRESS : forward.getBindAddress();
    }

    /** The binds the tunnel's Remote forwards ask the bastion's ledger for. */
    public static List<PortAllocation> requests(SshTunnel tunnel) {
        List<PortAllocation> wanted = new ArrayList<>();
        for (ForwardSpec forward : tunnel.getSpec().getForwards()) {
            if (forward.getType() == ForwardType.Remote && forward.getPort() != null && forward.getPort() > 0) {
                wanted.add(new PortAllocation(tunnel.getMetadata().getNamespace(), tunnel.getMetadata().getName(),
                        forward.getName(), bindAddressOf(forward), forward.getPort()));
            }
        }
        return wanted;
    }
}
