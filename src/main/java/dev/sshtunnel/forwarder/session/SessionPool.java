package dev.sshtunnel.forwarder.session;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.apache.sshd.client.session.ClientSession;

import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;
import dev.sshtunnel.config.TunnelConfig;
import dev.sshtunnel.forwarder.forward.Forward;

/**
 * The {@code spec.ssh.sessions} SSH sessions of one tunnel, each its own {@link TunnelSession} (own
 * connection, keepalive, reconnect loop and host key check; AcceptNew's first-use decision is the
 * process's, {@link FirstUseHostKeys}, not each session's). Every session attaches the Local and
 * Dynamic forwards, whose listeners spread new connections over them; Remote forwards are bound
 * by one session only, the lead: the first to connect, kept while it stays up, so that a session
 * coming back does not take a listening port away from one that serves it. When the lead is lost,
 * the next connected session becomes the lead and binds them.
 */
public final class SessionPool implements AutoCloseable {

    private final List<TunnelSession> members;
    private volatile TunnelSession lead;

    /**
     * {@code boards}: the status boards to continue (a pool replacing another keeps each session's
     * reconnect count); missing ones start fresh. {@code firstUse}: the process's AcceptNew decisions.
     */
    public SessionPool(TunnelConfig config, Supplier<List<Forward>> forwards, List<SessionStatusBoard> boards, TunnelSshClient client,
            Clock clock, FirstUseHostKeys firstUse) {
        List<TunnelSession> created = new ArrayList<>();
        for (int i = 0; i < config.sessions(); i++) {
            SessionStatusBoard board = i < boards.size() ? boards.get(i) : new SessionStatusBoard();
            created.add(new TunnelSession(config, forwards, this::attaches, this::membersChanged, board, client, clock, firstUse));
        }
        members = List.copyOf(created);
    }

    /** Local and Dynamic forwards on every session; Remote ones on the lead only. */
    private boolean attaches(TunnelSession member, Forward forward) {
        return forward.config().type().listensInPod() || lead == member;
    }

    /** A session connected or was lost: if the lead is gone, the first connected session leads and binds the Remote forwards. */
    private synchronized void membersChanged() {
        TunnelSession current = lead;
        if (current != null && current.connected()) {
            return;
        }
        TunnelSession next = members.stream().filter(TunnelSession::connected).findFirst().orElse(null);
        lead = next;
        if (next != current) {
            // Only connected sessions attach forwards; waking one that waits out its reconnect backoff would
            // cut the backoff short (and the one reporting a loss is such a session).
            members.stream().filter(TunnelSession::connected).forEach(TunnelSession::forwardsChanged);
        }
    }

    public void start() {
        members.forEach(TunnelSession::start);
    }

    public void useConfig(TunnelConfig next) {
        members.forEach(member -> member.useConfig(next));
    }

    /** Every connected session's keys are accepted by {@code next}'s rules, and at least one session is connected. */
    public boolean trusts(TunnelConfig next) {
        List<TunnelSession> connected = members.stream().filter(TunnelSession::connected).toList();
        return !connected.isEmpty() && connected.stream().allMatch(member -> member.trusts(next));
    }

    public void stopReconnecting() {
        members.forEach(TunnelSession::stopReconnecting);
    }

    public void forwardsChanged() {
        members.forEach(TunnelSession::forwardsChanged);
    }

    /** The boards a pool replacing this one continues. */
    public List<SessionStatusBoard> successorBoards() {
        return members.stream().map(member -> member.board().successor()).toList();
    }

    /**
     * The tunnel's session as one: Connected while any session is (the lead's details, else the first
     * connected one's, else the first session's — whose error says why none is up), reconnects summed.
     */
    public SessionStatus summary() {
        TunnelSession shown = lead;
        if (shown == null || !shown.connected()) {
            shown = members.stream().filter(TunnelSession::connected).findFirst().orElse(members.get(0));
        }
        SessionStatus summary = shown.board().snapshot();
        summary.setReconnects(members.stream().mapToLong(member -> {
            Long reconnects = member.board().snapshot().getReconnects();
            return reconnects == null ? 0 : reconnects;
        }).sum());
        return summary;
    }

    /** Each session in order, with the channels open on it; null for a pool of one (its summary says it all). */
    public List<SessionStatus> each() {
        if (members.size() == 1) {
            return null;
        }
        return members.stream().map(member -> {
            SessionStatus status = member.board().snapshot();
            ClientSession live = member.current();
            status.setActiveChannels(live == null || !live.isOpen() ? 0 : Forward.openChannels(live));
            return status;
        }).toList();
    }

    public boolean settled() {
        SessionState state = summary().getState();
        return state == SessionState.Connected || state == SessionState.Failed;
    }

    public int size() {
        return members.size();
    }

    /** The live session that binds the Remote forwards; null while none is connected. */
    public ClientSession lead() {
        TunnelSession current = lead;
        return current == null || !current.connected() ? null : current.current();
    }

    /** The live sessions, in order (null for one that is down): for tests and diagnostics. */
    public List<ClientSession> live() {
        List<ClientSession> live = new ArrayList<>();
        members.forEach(member -> live.add(member.connected() ? member.current() : null));
        return live;
    }

    public void retire(Duration grace) {
        members.forEach(member -> member.retire(grace));
    }

    @Override
    public void close() {
        members.forEach(TunnelSession::close);
    }
}
