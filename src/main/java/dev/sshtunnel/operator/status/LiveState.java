package dev.sshtunnel.operator.status;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.ProbeState;
import dev.sshtunnel.api.v1alpha1.ProbeStatus;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;
import dev.sshtunnel.untrusted.UntrustedText;

/**
 * The forwarders' reports folded into one view: the session of the pod that has a problem (else
 * the first), and each forward Active only if Active on every reporting pod, with channels summed —
 * except a Remote forward, which is Active when one pod serves it (servingPod) and the others stand by.
 */
final class LiveState {

    final SessionStatus session;
    /** Each session of the pod {@link #session} comes from, when it keeps more than one. */
    final List<SessionStatus> sessions;
    final List<ForwardStatus> forwards;

    private LiveState(SessionStatus session, List<SessionStatus> sessions, List<ForwardStatus> forwards) {
        this.session = session;
        this.sessions = sessions;
        this.forwards = forwards;
    }

    static LiveState fold(List<ForwardSpec> specs, List<ForwarderReport> reports) {
        Optional<ForwarderReport> shown = shown(reports);
        SessionStatus session = shown.map(r -> r.status().session()).orElse(null);
        List<SessionStatus> sessions = shown.map(r -> r.status().sessions()).orElse(null);
        List<ForwardStatus> forwards = new ArrayList<>();
        for (ForwardSpec spec : specs) {
            ForwardStatus merged = new ForwardStatus();
            merged.setName(spec.getName());
            merged.setType(spec.getType());
            merged.setPort(spec.getPort());
            merged.setState(ForwardState.Active);
            // Remote: one pod's session holds the port and serves; a Standby on the others is no fault.
            Optional<ForwarderReport> serving = spec.getType() != ForwardType.Remote ? Optional.empty()
                    : reports.stream().filter(r -> stateIn(r, spec.getName()) == ForwardState.Active).findFirst();
            serving.ifPresent(r -> merged.setServingPod(r.podName()));
            for (ForwarderReport report : reports) {
                Optional<ForwardStatus> reported = report.status().forwards().stream()
                        .filter(f -> spec.getName().equals(f.getName())).findFirst();
                ForwardState state = reported.map(ForwardStatus::getState).orElse(ForwardState.Pending);
                if (serving.isPresent() && state == ForwardState.Standby) {
                    state = ForwardState.Active;
                }
                merged.setState(worse(merged.getState(), state));
                if (reported.isPresent()) {
                    ForwardStatus f = reported.get();
                    boolean standbyOfServed = serving.isPresent() && f.getState() == ForwardState.Standby;
                    if (merged.getBoundPort() == null && !standbyOfServed) {
                        merged.setBoundPort(f.getBoundPort());
                    }
                    if (isBlank(merged.getLastError()) && !isBlank(f.getLastError()) && !standbyOfServed) {
                        merged.setLastError(f.getLastError());
                        merged.setReason(f.getReason());
                    }
                    // The worst probe among the pods: a path one pod cannot use fails some of the forward's clients.
                    merged.setProbe(worse(merged.getProbe(), f.getProbe()));
                }
            }
            if (reports.isEmpty()) {
                merged.setState(ForwardState.Pending);
            }
            merged.setProbe(bounded(merged.getProbe()));
            count(merged, reports);
            forwards.add(merged);
        }
        return new LiveState(session, sessions, forwards);
    }

    /**
     * {@code status} with the channel counters of {@code reports}, summed as {@link #fold} sums them, and
     * nothing else changed: what is written between reconciles, when only counters moved.
     */
    static void countInto(SshTunnelStatus status, List<ForwarderReport> reports) {
        if (status.getForwards() == null || reports.isEmpty()) {
            return;
        }
        status.getForwards().forEach(forward -> count(forward, reports));
        status.setActiveChannels(status.getForwards().stream().mapToInt(ForwardStatus::getActiveChannels).sum());
        List<SessionStatus> shownSessions = shown(reports).map(r -> r.status().sessions()).orElse(null);
        List<SessionStatus> sessions = status.getSessions();
        if (sessions != null && shownSessions != null && sessions.size() == shownSessions.size()) {
            for (int i = 0; i < sessions.size(); i++) {
                sessions.get(i).setActiveChannels(shownSessions.get(i).getActiveChannels());
            }
        }
    }

    /** The pod whose session the status shows: the first with a problem, else the first. */
    private static Optional<ForwarderReport> shown(List<ForwarderReport> reports) {
        return reports.stream().filter(r -> r.status().session() != null)
                .filter(r -> !r.status().connected()).findFirst()
                .or(() -> reports.stream().filter(r -> r.status().session() != null).findFirst());
    }

    /** The forward's channels on every reporting pod, summed. */
    private static void count(ForwardStatus merged, List<ForwarderReport> reports) {
        int active = 0;
        long total = 0;
        long failed = 0;
        for (ForwarderReport report : reports) {
            for (ForwardStatus f : report.status().forwards()) {
                if (f != null && merged.getName().equals(f.getName())) {
                    active += f.getActiveChannels() == null ? 0 : f.getActiveChannels();
                    total += f.getTotalChannels() == null ? 0 : f.getTotalChannels();
                    failed += f.getFailedChannels() == null ? 0 : f.getFailedChannels();
                    break;
                }
            }
        }
        merged.setActiveChannels(active);
        merged.setTotalChannels(total);
        merged.setFailedChannels(failed);
    }

    boolean connected() {
        return session != null && session.getState() == SessionState.Connected;
    }

    long activeForwards() {
        return forwards.stream().filter(f -> f.getState() == ForwardState.Active).count();
    }

    int activeChannels() {
        return forwards.stream().mapToInt(ForwardStatus::getActiveChannels).sum();
    }

    Optional<ForwardStatus> firstInactive() {
        return forwards.stream().filter(f -> f.getState() != ForwardState.Active).findFirst();
    }

    private static ForwardState stateIn(ForwarderReport report, String forward) {
        return report.status().forwards().stream().filter(f -> forward.equals(f.getName())).map(ForwardStatus::getState)
                .findFirst().orElse(ForwardState.Pending);
    }

    /** A copy whose message a pod cannot make exceed the schema's bound or span lines. */
    private static ProbeStatus bounded(ProbeStatus reported) {
        if (reported == null) {
            return null;
        }
        ProbeStatus probe = new ProbeStatus();
        probe.setState(reported.getState());
        probe.setConsecutiveFailures(reported.getConsecutiveFailures());
        probe.setLastSuccessTime(reported.getLastSuccessTime() == null ? null : UntrustedText.clean(reported.getLastSuccessTime(), 64));
        probe.setLatencyMs(reported.getLatencyMs());
        probe.setMessage(reported.getMessage() == null ? null : UntrustedText.clean(reported.getMessage(), SessionStatus.MESSAGE));
        return probe;
    }

    private static ProbeStatus worse(ProbeStatus a, ProbeStatus b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return rank(a.getState()) >= rank(b.getState()) ? a : b;
    }

    private static int rank(ProbeState state) {
        return state == null ? 1 : switch (state) {
            case Passing -> 0;
            case Unknown -> 1;
            case Failing -> 2;
        };
    }

    private static ForwardState worse(ForwardState a, ForwardState b) {
        return rank(a) >= rank(b) ? a : b;
    }

    private static int rank(ForwardState state) {
        return switch (state) {
            case Active -> 0;
            case Standby -> 1;
            case Pending -> 2;
            case Failed -> 3;
        };
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
