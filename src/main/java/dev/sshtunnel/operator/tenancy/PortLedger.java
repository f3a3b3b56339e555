package dev.sshtunnel.operator.tenancy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.sshtunnel.api.v1alpha1.PortAllocation;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SshBastionStatus;
import dev.sshtunnel.operator.status.SpecHeldBack;

/**
 * A bastion's port ledger: first come keeps the bind. Only the bastion's reconciler writes it (one writer, no race between
 * tunnels); a tunnel reads it to learn whether its binds are its own. I/O-free.
 */
public final class PortLedger {

    private PortLedger() {
    }

    /**
     * The next ledger: every entry whose holder still asks for it stays (across operator restarts: the ledger is the
     * bastion's status); then each new request, oldest tunnel first, gets its bind if nobody holds it.
     * {@code requests}: the binds of granted tunnels, in the order they came (oldest tunnel first).
     */
    public static List<PortAllocation> next(List<PortAllocation> current, List<PortAllocation> requests) {
        List<PortAllocation> ledger = new ArrayList<>();
        for (PortAllocation held : current) {
            if (requests.contains(held) && ledger.stream().noneMatch(a -> a.sameBind(held))) {
                ledger.add(held);
            }
        }
        for (PortAllocation wanted : requests) {
            if (ledger.size() >= SshBastionStatus.MAX_ALLOCATIONS) {
                break;
            }
            if (ledger.stream().noneMatch(a -> a.sameBind(wanted))) {
                ledger.add(wanted);
            }
        }
        return ledger;
    }

    /** Why a tunnel's binds are not (yet) its own in the ledger, or empty when every one is. */
    public static Optional<SpecHeldBack> problem(Bastion bastion, List<PortAllocation> requests) {
        for (PortAllocation wanted : requests) {
            Optional<PortAllocation> holder = bastion.allocations().stream().filter(a -> a.sameBind(wanted)).findFirst();
            if (holder.isEmpty()) {
                return Optional.of(new SpecHeldBack(Reason.Connecting, "forward " + wanted.getForward() + ": waiting for "
                        + bastion.describe() + " to allocate " + wanted.getBindAddress() + ":" + wanted.getPort()
                        + " in its port ledger (status.allocations)"));
            }
            if (!holder.get().equals(wanted)) {
                return Optional.of(new SpecHeldBack(Reason.PortConflict, "forward " + wanted.getForward() + ": "
                        + wanted.getBindAddress() + ":" + wanted.getPort() + " on " + bastion.describe() + " is held by "
                        + holder.get().holder() + " (forward " + holder.get().getForward() + "); pick another port"));
            }
        }
        return Optional.empty();
    }
}
