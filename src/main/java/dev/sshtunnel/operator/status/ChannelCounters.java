package dev.sshtunnel.operator.status;

import java.util.List;

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
        SessionStatus session = report.session() == null ? null : Serialization.clone(report.session());
        clear(session);
        List<SessionStatus> sessions = report.sessions() == null ? null
                : report.sessions().stream().map(s -> s == null ? null : Serialization.clone(s)).toList();
        clearSessions(sessions);
        List<ForwardStatus> forwards = report.forwards().stream().map(f -> f == null ? null : Serialization.clone(f)).toList();
        clearForwards(forwards);
        return new ForwarderReport(report.podName(), report.generation(), report.documentError(), session, sessions, forwards);
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
