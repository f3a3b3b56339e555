package dev.sshtunnel.api.crd;

import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;

/**
 * Size bounds of the parts of the schema the generator cannot annotate: maps (entry count, key and
 * value length) and the Kubernetes types spec embeds (Toleration, ResourceRequirements,
 * NetworkPolicyPeer, Condition). With them every list, map and string of an SshTunnel is bounded
 * (CrdBoundsTest), so no field grows without limit and every CEL rule's cost is bounded; a whole
 * object is still bounded only by the API server's 1.5 MiB. Each bound is appended to the field's
 * description, where {@code kubectl explain} shows it.
 * <p>
 * The values follow Kubernetes' own limits where it has them: label and annotation keys are a
 * qualified name (253-character prefix, '/', 63-character name), label values 63 characters.
 */
final class SchemaBounds {

    /** A qualified name: DNS subdomain prefix (253) + '/' + name (63). */
    static final int QUALIFIED_NAME = 317;
    static final int LABEL_VALUE = 63;
    /** 64 entries of this size are ~Kubernetes' 256 KiB limit on all annotations of one object. */
    static final int ANNOTATION_VALUE = 4096;
    static final int MAP_ENTRIES = 64;
    /** NetworkPolicy peers, their excepted CIDRs and tolerations: more than any real policy or taint set uses. */
    static final int PEERS = 32;
    static final int EXCEPT_CIDRS = 32;
    static final int TOLERATIONS = 32;
    /** Label selectors inside a peer: a handful of labels and expressions is the real use. */
    static final int SELECTOR_ENTRIES = 16;
    /** Resource names in requests, limits and claims (cpu, memory, ephemeral-storage, extended resources). */
    static final int RESOURCES = 16;
    /** An IPv6 CIDR is at most 39 + 4 characters. */
    static final int CIDR = 43;
    /** Quantities such as 512Mi or 1500m; the API server's own parse accepts far less than this. */
    static final int QUANTITY = 64;
    /** Short strings of Kubernetes types: operator, effect, condition status, a timestamp. */
    static final int SHORT_TEXT = 32;
    /** metav1.Condition's limits. */
    static final int CONDITION_TYPE = 316;
    static final int CONDITION_REASON = 1024;
    static final int CONDITION_MESSAGE = 32768;
    static final int CONDITIONS = 8;

    private SchemaBounds() {
    }

    /** A bastion's unbounded parts: the namespace selector of allowedNamespaces and its conditions. */
    static void applyToBastion(JSONSchemaProps root) {
        JSONSchemaProps allowed = child(root, "spec").getProperties().get("allowedNamespaces");
        if (allowed != null) {
            selector(child(allowed, "selector"));
        }
        conditions(child(child(root, "status"), "conditions"));
    }

    static void apply(JSONSchemaProps root) {
        JSONSchemaProps spec = child(root, "spec");
        JSONSchemaProps forwarder = child(spec, "forwarder");
        labelMap(child(forwarder, "nodeSelector"));
        annotationMap(child(forwarder, "podAnnotations"));
        tolerations(child(forwarder, "tolerations"));
        resources(child(forwarder, "resources"));
        JSONSchemaProps service = child(spec, "service");
        annotationMap(child(service, "annotations"));
        labelMap(child(service, "labels"));
        JSONSchemaProps networkPolicy = child(spec, "networkPolicy");
        peers(child(networkPolicy, "ingressFrom"));
        peers(child(networkPolicy, "egressTo"));
        conditions(child(child(root, "status"), "conditions"));
    }

    private static void labelMap(JSONSchemaProps map) {
        map(map, MAP_ENTRIES, QUALIFIED_NAME, LABEL_VALUE);
    }

    private static void annotationMap(JSONSchemaProps map) {
        map(map, MAP_ENTRIES, QUALIFIED_NAME, ANNOTATION_VALUE);
    }

    private static void tolerations(JSONSchemaProps list) {
        list(list, TOLERATIONS);
        JSONSchemaProps toleration = list.getItems().getSchema();
        string(child(toleration, "key"), QUALIFIED_NAME);
        string(child(toleration, "value"), LABEL_VALUE);
        string(child(toleration, "operator"), SHORT_TEXT);
        string(child(toleration, "effect"), SHORT_TEXT);
    }

    private static void resources(JSONSchemaProps resources) {
        JSONSchemaProps claims = child(resources, "claims");
        list(claims, RESOURCES);
        string(child(claims.getItems().getSchema(), "name"), LABEL_VALUE);
        string(child(claims.getItems().getSchema(), "request"), LABEL_VALUE);
        map(child(resources, "limits"), RESOURCES, QUALIFIED_NAME, QUANTITY);
        map(child(resources, "requests"), RESOURCES, QUALIFIED_NAME, QUANTITY);
    }

    private static void peers(JSONSchemaProps list) {
        list(list, PEERS);
        JSONSchemaProps peer = list.getItems().getSchema();
        JSONSchemaProps ipBlock = child(peer, "ipBlock");
        string(child(ipBlock, "cidr"), CIDR);
        JSONSchemaProps except = child(ipBlock, "except");
        list(except, EXCEPT_CIDRS);
        string(except.getItems().getSchema(), CIDR);
        selector(child(peer, "namespaceSelector"));
        selector(child(peer, "podSelector"));
    }

    private static void selector(JSONSchemaProps selector) {
        map(child(selector, "matchLabels"), SELECTOR_ENTRIES, QUALIFIED_NAME, LABEL_VALUE);
        JSONSchemaProps expressions = child(selector, "matchExpressions");
        list(expressions, SELECTOR_ENTRIES);
        JSONSchemaProps expression = expressions.getItems().getSchema();
        string(child(expression, "key"), QUALIFIED_NAME);
        string(child(expression, "operator"), SHORT_TEXT);
        JSONSchemaProps values = child(expression, "values");
        list(values, SELECTOR_ENTRIES);
        string(values.getItems().getSchema(), LABEL_VALUE);
    }

    private static void conditions(JSONSchemaProps list) {
        list(list, CONDITIONS);
        JSONSchemaProps condition = list.getItems().getSchema();
        string(child(condition, "type"), CONDITION_TYPE);
        string(child(condition, "status"), SHORT_TEXT);
        string(child(condition, "reason"), CONDITION_REASON);
        string(child(condition, "message"), CONDITION_MESSAGE);
        string(child(condition, "lastTransitionTime"), SHORT_TEXT);
    }

    /** Entry count and value length by the schema; key length by a CEL rule, as OpenAPI has no bound on keys. */
    private static void map(JSONSchemaProps map, int entries, int keyLength, int valueLength) {
        map.setMaxProperties((long) entries);
        JSONSchemaProps value = map.getAdditionalProperties().getSchema();
        value.setMaxLength((long) valueLength);
        List<ValidationRule> rules = new ArrayList<>(map.getXKubernetesValidations() == null ? List.of()
                : map.getXKubernetesValidations());
        String message = "keys must be at most " + keyLength + " characters";
        rules.add(0, new ValidationRule(null, message, null, null, "FieldValueInvalid",
                "self.all(k, size(k) <= " + keyLength + ")"));
        map.setXKubernetesValidations(rules);
        describe(map, "At most " + entries + " entries; keys up to " + keyLength + " characters, values up to "
                + valueLength + ".");
    }

    private static void list(JSONSchemaProps list, int items) {
        list.setMaxItems((long) items);
        describe(list, "At most " + items + ".");
    }

    private static void string(JSONSchemaProps string, int length) {
        string.setMaxLength((long) length);
    }

    /** Only nodes that carry a description get the bound added: kubectl explain shows those. */
    private static void describe(JSONSchemaProps node, String bound) {
        if (node.getDescription() != null && !node.getDescription().isEmpty()) {
            node.setDescription(node.getDescription() + " " + bound);
        }
    }

    private static JSONSchemaProps child(JSONSchemaProps node, String name) {
        JSONSchemaProps child = node.getProperties().get(name);
        if (child == null) {
            throw new IllegalStateException("CRD schema has no property " + name);
        }
        return child;
    }
}
