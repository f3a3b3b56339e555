package dev.sshtunnel.operator.status;

import java.util.Objects;

import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;

/** What differs between two statuses: channel counters alone ({@link ChannelCounters}), or a transition users wait for. */
public enum StatusChange {
    TRANSITION, COUNTERS_ONLY;

    public static StatusChange between(SshTunnelStatus before, SshTunnelStatus after) {
        if (before == null || after == null) {
            return TRANSITION;
        }
        return Objects.equals(ChannelCounters.cleared(before), ChannelCounters.cleared(after)) ? COUNTERS_ONLY : TRANSITION;
    }
}
