package dev.sshtunnel.operator.status;

import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.HostKeySpec;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.api.v1alpha1.SessionStatus;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnelStatus;

/**
 * OpenSSH's accept-new across pods, decided by agreement: the key pinned is one that every reporting
 * pod of the Deployment's current ReplicaSet saw, on each of its connected sessions. A pod that only
 * carries the tunnel's labels has no say; when the current pods disagree nothing is pinned (one of them
 * may face a man in the middle) and {@code seenBy} names each key with the pods that saw it. Once
 * pinned (TunnelDocument pins it for every later pod), the key stays while the policy is AcceptNew.
 */
record AcceptedHostKey(String pinned, SortedMap<String, Set<String>> seenBy) {

    static AcceptedHostKey judge(SshTunnelSpec spec, SshTunnelStatus previous, TunnelObservation observation) {
        HostKeySpec hostKey = spec.getSsh() == null ? null : spec.getSsh().getHostKey();
        if (hostKey == null || hostKey.getPolicy() != HostKeyPolicy.AcceptNew) {
            return new AcceptedHostKey(null, new TreeMap<>());
        }
        if (previous.getAcceptedHostKeyFingerprint() != null) {
            return new AcceptedHostKey(previous.getAcceptedHostKeyFingerprint(), new TreeMap<>());
        }
        SortedMap<String, Set<String>> seenBy = new TreeMap<>();
        observation.reports().stream()
                .filter(report -> observation.currentPods().contains(report.podName()))
                .forEach(report -> sessionsOf(report).filter(AcceptedHostKey::connectedWithKey)
                        .forEach(session -> seenBy.computeIfAbsent(session.getHostKeyFingerprint(), k -> new TreeSet<>())
                                .add(report.podName())));
        return new AcceptedHostKey(seenBy.size() == 1 ? seenBy.firstKey() : null, seenBy);
    }

    boolean disagreement() {
        return seenBy.size() > 1;
    }

    /** "SHA256:… (pod-a, pod-b); SHA256:… (pod-c)". */
    String keysSeen() {
        return seenBy.entrySet().stream().map(e -> e.getKey() + " (" + String.join(", ", e.getValue()) + ")")
                .collect(Collectors.joining("; "));
    }

    private static Stream<SessionStatus> sessionsOf(ForwarderReport report) {
        List<SessionStatus> each = report.status().sessions() == null ? List.of() : report.status().sessions();
        return Stream.concat(Stream.ofNullable(report.status().session()), each.stream());
    }

    /** The fingerprint comes from a pod: only a well-formed one counts. */
    private static boolean connectedWithKey(SessionStatus session) {
        return session != null && session.getState() == SessionState.Connected && session.getHostKeyFingerprint() != null
                && session.getHostKeyFingerprint().matches(HostKeySpec.FINGERPRINT);
    }
}
