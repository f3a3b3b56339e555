package dev.sshtunnel.operator.status;

import java.util.List;
import java.util.Objects;

import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;
import io.fabric8.kubernetes.client.utils.Serialization;

/** What differs between two statuses: channel counters alone, or a transition users wait for. */
public enum StatusChange {
    TRANSITION, COUNTERS_ONLY;

    /** Counters are activeChannels (tunnel and forward), totalChannels and failedChannels. */
    public static StatusChange between(SshTunnelStatus before, SshTunnelStatus after) {
        if (before == null || after == null) {
            return TRANSITION;
        }
        return Objects.equals(withoutCounters(before), withoutCounters(after)) ? COUNTERS_ONLY : TRANSITION;
    }

    private static SshTunnelStatus withoutCounters(SshTunnelStatus status) {
        SshTunnelStatus copy = Serialization.clone(status);
        copy.setActiveChannels(null);
        List<ForwardStatus> forwards = copy.getForwards();
        if (forwards != null) {
            for (ForwardStatus forward : forwards) {
                forward.setActiveChannels(null);
                forward.setTotalChannels(null);
                forward.setFailedChannels(null);
            }
        }
        return copy;
    }
}
