package dev.sshtunnel.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;

/** Which namespaces may use a ClusterSshBastion (the shape of Gateway API's allowedRoutes.namespaces). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.from != 'Selector' || has(self.selector)", message = "selector is required when from is Selector",
        fieldPath = ".selector", reason = "FieldValueRequired")
@ValidationRule(value = "self.from == 'Selector' || !has(self.selector)", message = "selector is only used when from is Selector",
        fieldPath = ".selector", reason = "FieldValueForbidden")
public class AllowedNamespaces {

    public enum From { All, Selector }

    @Required
    @JsonPropertyDescription("All: every namespace. Selector: namespaces whose labels match selector.")
    private From from;

    @JsonPropertyDescription("Label selector on namespaces (e.g. matchLabels: {team: a}); kubernetes.io/metadata.name names one.")
    private LabelSelector selector;

    public From getFrom() { return from; }
    public void setFrom(From from) { this.from = from; }
    public LabelSelector getSelector() { return selector; }
    public void setSelector(LabelSelector selector) { this.selector = selector; }
}
