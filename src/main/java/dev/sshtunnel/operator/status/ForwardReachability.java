package dev.sshtunnel.operator.status;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.api.v1alpha1.ProbeState;

/**
 * What the forwards' probes say about the paths behind the tunnel, for the condition {@value ConditionTypes#FORWARDS_READY}'s
 * neighbour {@value ConditionTypes#FORWARDS_REACHABLE}: present only when some forward has a probe; False while a probe
 * is Failing (naming the forwards and why), Unknown until every probe has a verdict, True after.
 */
record ForwardReachability(boolean probed, List<ForwardStatus> failing, List<ForwardStatus> failingAffectingReadiness,
        boolean undecided) {

    static final String REACHABLE = "Reachable";
    static final String PROBING = "Probing";

    static ForwardReachability of(List<ForwardSpec> specs, List<ForwardStatus> forwards) {
        List<ForwardSpec> probedSpecs = specs.stream().filter(f -> f.getProbe() != null).toList();
        Map<String, ForwardStatus> byName = forwards.stream().collect(Collectors.toMap(ForwardStatus::getName, Function.identity(),
                (a, b) -> a));
        List<ForwardStatus> failing = probedSpecs.stream().map(f -> byName.get(f.getName()))
                .filter(f -> f != null && f.getProbe() != null && f.getProbe().getState() == ProbeState.Failing).toList();
        List<ForwardStatus> affecting = probedSpecs.stream().filter(f -> f.getProbe().affectsReadinessOrDefault())
                .map(f -> byName.get(f.getName()))
                .filter(f -> f != null && f.getProbe() != null && f.getProbe().getState() == ProbeState.Failing).toList();
        boolean undecided = probedSpecs.stream().map(f -> byName.get(f.getName()))
                .anyMatch(f -> f == null || f.getProbe() == null || f.getProbe().getState() != ProbeState.Passing);
        return new ForwardReachability(!probedSpecs.isEmpty(), failing, affecting, undecided);
    }

    String status() {
        return !failing.isEmpty() ? ConditionList.FALSE : undecided ? ConditionList.UNKNOWN : ConditionList.TRUE;
    }

    String reason(String failingReason) {
        return !failing.isEmpty() ? failingReason : undecided ? PROBING : REACHABLE;
    }

    String message() {
        if (!failing.isEmpty()) {
            return describe(failing);
        }
        return undecided ? "waiting for the first verdict of every forward's probe" : "every probed forward reaches its target";
    }

    /** "forward db: Failing (3 in a row): connection refused; forward ...", bounded by the caller's condition message. */
    static String describe(List<ForwardStatus> forwards) {
        return forwards.stream().map(f -> "forward " + f.getName() + " cannot reach its target ("
                + (f.getProbe().getConsecutiveFailures() == null ? "" : f.getProbe().getConsecutiveFailures() + " probes failed in a row")
                + (f.getProbe().getMessage() == null || f.getProbe().getMessage().isBlank() ? "" : ": " + f.getProbe().getMessage()) + ")")
                .collect(Collectors.joining("; "));
    }
}
