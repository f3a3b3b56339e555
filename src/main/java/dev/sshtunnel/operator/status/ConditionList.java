package dev.sshtunnel.operator.status;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

/**
 * Conditions in the standard metav1.Condition shape. lastTransitionTime moves only when the
 * status value changes; a new reason or message alone does not make a transition.
 */
final class ConditionList {

    static final String TRUE = "True";
    static final String FALSE = "False";
    static final String UNKNOWN = "Unknown";

    private final List<Condition> previous;
    private final List<Condition> next = new ArrayList<>();
    private final long generation;
    private final String now;

    ConditionList(List<Condition> previous, long generation, Instant now) {
        this.previous = previous == null ? List.of() : previous;
        this.generation = generation;
        this.now = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
    }

    ConditionList set(String type, String status, String reason, String message) {
        return set(type, generation, status, reason, message);
    }

    /** A condition about an older generation than the spec's: what the forwarders still run, for one. */
    ConditionList set(String type, long observedGeneration, String status, String reason, String message) {
        String since = find(previous, type)
                .filter(old -> status.equals(old.getStatus()) && old.getLastTransitionTime() != null)
                .map(Condition::getLastTransitionTime)
                .orElse(now);
        next.add(new ConditionBuilder()
                .withType(type)
                .withStatus(status)
                .withReason(reason)
                .withMessage(message)
                .withObservedGeneration(observedGeneration)
                .withLastTransitionTime(since)
                .build());
        return this;
    }

    List<Condition> build() {
        return List.copyOf(next);
    }

    static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }
}
