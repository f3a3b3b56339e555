package dev.sshtunnel.operator.tenancy;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.javaoperatorsdk.operator.api.reconciler.Constants;

/**
 * The namespaces the operator reconciles in (sshtunnel.watch-namespaces, the chart's watchNamespaces): all of them, or
 * only those listed, whose Roles are all the operator's token has there.
 */
public record WatchedNamespaces(Optional<Set<String>> only) {

    public static final WatchedNamespaces ALL = new WatchedNamespaces(Optional.empty());

    public static WatchedNamespaces of(Optional<List<String>> setting) {
        Set<String> names = new TreeSet<>();
        setting.orElse(List.of()).stream().map(String::trim).filter(name -> !name.isEmpty()).forEach(names::add);
        return names.isEmpty() || names.contains(Constants.WATCH_ALL_NAMESPACES) ? ALL
                : new WatchedNamespaces(Optional.of(Set.copyOf(names)));
    }

    public boolean includes(String namespace) {
        return only.map(names -> names.contains(namespace)).orElse(true);
    }

    /** What an informer of namespaced objects is given when its controller's own namespaces are not these (JOSDK's form). */
    public Set<String> informerNamespaces() {
        return only.orElse(Constants.DEFAULT_NAMESPACES_SET);
    }

    @Override
    public String toString() {
        return only.map(names -> String.join(", ", new TreeSet<>(names))).orElse("all namespaces");
    }
}
