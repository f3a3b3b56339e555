package dev.sshtunnel.operator.status;

import java.util.List;

import dev.sshtunnel.api.forwarder.ForwarderStatus;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.SessionStatus;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * The one definition of which status fields are channel counters: activeChannels (of the tunnel, each
 * session and each forward), totalChannels and failedChannels. They move with every connection through
 * a tunnel, so a change of them alone triggers no reconcile; they are written on their own schedule.
 */
public final class ChannelCounters {

    private ChannelCounters() {
    }

    /** A copy of the status without its counters. */
    static SshTunnelStatus cleared(SshTunnelStatus status) {
        SshTunnelStatus copy = Serialization.clone(status);
        copy.setActiveChannels(null);
        clear(copy.getSession());
        clearSessions(copy.getSessions());
        clearForwards(copy.getForwards());
        return copy;
    }

    /** A copy of the report without its counters: what a change of calls for a reconcile. */
    public static ForwarderReport cleared(ForwarderReport report) {
        ForwarderStatus status = report.status();
        SessionStatus session = status.session() == null ? null : Serialization.clone(status.session());
        clear(session);
        List<SessionStatus> sessions = status.sessions() == null ? null
                : status.sessions().stream().map(Serialization::clone).toList();
        clearSessions(sessions);
        List<ForwardStatus> forwards = status.forwards().stream().map(Serialization::clone).toList();
        clearForwards(forwards);
        return new ForwarderReport(report.podName(),
                new ForwarderStatus(status.generation(), status.documentError(), session, sessions, forwards));
    }

    private static void clear(SessionStatus session) {
        if (session != null) {
            session.setActiveChannels(null);
        }
    }

    private static void clearSessions(List<SessionStatus> sessions) {
        if (sessions != null) {
            sessions.forEach(ChannelCounters::clear);
        }
    }

    private static void clearForwards(List<ForwardStatus> forwards) {
        if (forwards != null) {
            for (ForwardStatus forward : forwards) {
                if (forward != null) {
                    forward.setActiveChannels(null);
                    forward.setTotalChannels(null);
                    forward.setFailedChannels(null);
                }
            }
        }
    }
}
