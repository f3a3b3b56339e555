package dev.sshtunnel.operator.tenancy;

import java.util.List;
import java.util.Map;

import dev.sshtunnel.api.v1alpha1.AllowedNamespaces;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;

/** Whether a ClusterSshBastion's allowedNamespaces admits a namespace, by the namespace's labels. */
public final class NamespaceGrant {

    private NamespaceGrant() {
    }

    public static boolean admits(AllowedNamespaces allowed, Map<String, String> namespaceLabels) {
        if (allowed == null || allowed.getFrom() == null) {
            return false; // required by the schema: an object that lacks it grants nothing
        }
        return switch (allowed.getFrom()) {
            case All -> true;
            case Selector -> allowed.getSelector() != null && matches(allowed.getSelector(), namespaceLabels);
        };
    }

    /** Kubernetes label selector semantics; an empty selector matches every namespace, as in Kubernetes. */
    static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector.getMatchLabels() != null) {
            for (var entry : selector.getMatchLabels().entrySet()) {
                if (!entry.getValue().equals(labels.get(entry.getKey()))) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement requirement : selector.getMatchExpressions()) {
                if (!matches(requirement, labels)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean matches(LabelSelectorRequirement requirement, Map<String, String> labels) {
        String value = labels.get(requirement.getKey());
        List<String> values = requirement.getValues() == null ? List.of() : requirement.getValues();
        return switch (requirement.getOperator() == null ? "" : requirement.getOperator()) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> labels.containsKey(requirement.getKey());
            case "DoesNotExist" -> !labels.containsKey(requirement.getKey());
            default -> false; // an operator Kubernetes does not know selects nothing
        };
    }
}
