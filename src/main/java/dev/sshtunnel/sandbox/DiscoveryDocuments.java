package dev.sshtunnel.sandbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.sshtunnel.api.v1alpha1.SshTunnel;

/**
 * The discovery documents kubectl reads before any request (/version, /api, /apis and the resource
 * lists), which the mock API server does not serve. They list the kinds the sandbox involves.
 */
final class DiscoveryDocuments {

    private static final String VERBS = "[\"create\",\"delete\",\"get\",\"list\",\"patch\",\"update\",\"watch\"]";

    private record Resource(String plural, String singular, String kind, boolean namespaced, String shortNames) {
        String json() {
            return "{\"name\":\"" + plural + "\",\"singularName\":\"" + singular + "\",\"namespaced\":" + namespaced
                    + ",\"kind\":\"" + kind + "\",\"verbs\":" + VERBS + ",\"shortNames\":" + shortNames + "}";
        }
    }

    private static final Map<String, String> DOCUMENTS = new LinkedHashMap<>();
    private static final Map<String, String> KINDS = new LinkedHashMap<>();
    private static final List<Resource> CORE = List.of(
            new Resource("configmaps", "configmap", "ConfigMap", true, "[\"cm\"]"),
            new Resource("secrets", "secret", "Secret", true, "[]"),
            new Resource("services", "service", "Service", true, "[\"svc\"]"),
            new Resource("pods", "pod", "Pod", true, "[\"po\"]"),
            new Resource("events", "event", "Event", true, "[\"ev\"]"),
            new Resource("namespaces", "namespace", "Namespace", false, "[\"ns\"]"));

    static {
        Map<String, List<Resource>> groups = new LinkedHashMap<>();
        groups.put("apps/v1", List.of(new Resource("deployments", "deployment", "Deployment", true, "[\"deploy\"]")));
        groups.put("networking.k8s.io/v1", List.of(new Resource("networkpolicies", "networkpolicy", "NetworkPolicy", true, "[\"netpol\"]")));
        groups.put("coordination.k8s.io/v1", List.of(new Resource("leases", "lease", "Lease", true, "[]")));
        groups.put("apiextensions.k8s.io/v1", List.of(new Resource("customresourcedefinitions", "customresourcedefinition",
                "CustomResourceDefinition", false, "[\"crd\",\"crds\"]")));
        groups.put(SshTunnel.API_VERSION, List.of(new Resource("sshtunnels", "sshtunnel", SshTunnel.KIND, true, "[\"sst\",\"sshtun\"]"),
                new Resource("sshtunnels/status", "", SshTunnel.KIND, true, "[]")));
        DOCUMENTS.put("/version", """
                {"major":"1","minor":"32","gitVersion":"v1.32.0-sshtunnel-sandbox","platform":"linux/amd64"}""");
        DOCUMENTS.put("/api", """
                {"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1"}]}""");
        DOCUMENTS.put("/api/v1", list("v1", CORE));
        DOCUMENTS.put("/apis", "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[" + groups.keySet().stream()
                .map(gv -> {
                    String group = gv.substring(0, gv.indexOf('/'));
                    String version = gv.substring(gv.indexOf('/') + 1);
                    String entry = "{\"groupVersion\":\"" + gv + "\",\"version\":\"" + version + "\"}";
                    return "{\"name\":\"" + group + "\",\"versions\":[" + entry + "],\"preferredVersion\":" + entry + "}";
                }).collect(Collectors.joining(",")) + "]}");
        groups.forEach((gv, resources) -> DOCUMENTS.put("/apis/" + gv, list(gv, resources)));
        // OpenAPI v3: only enough for kubectl to see that every kind takes the fieldValidation
        // parameter, so it leaves validation to the server instead of downloading schemas.
        Map<String, List<Resource>> all = new LinkedHashMap<>();
        all.put("v1", CORE);
        groups.forEach((gv, resources) -> all.put(gv, resources));
        StringBuilder index = new StringBuilder("{\"paths\":{");
        all.forEach((gv, resources) -> {
            String prefix = gv.equals("v1") ? "api/v1" : "apis/" + gv;
            if (index.charAt(index.length() - 1) != '{') {
                index.append(',');
            }
            index.append('"').append(prefix).append("\":{\"serverRelativeURL\":\"/openapi/v3/").append(prefix).append("\"}");
            DOCUMENTS.put("/openapi/v3/" + prefix, openApi(gv, prefix, resources));
        });
        DOCUMENTS.put("/openapi/v3", index.append("}}").toString());
        all.values().forEach(list -> list.forEach(r -> KINDS.put(r.plural(), r.kind())));
    }

    private static String openApi(String gv, String prefix, List<Resource> resources) {
        String group = gv.contains("/") ? gv.substring(0, gv.indexOf('/')) : "";
        String version = gv.substring(gv.indexOf('/') + 1);
        String paths = resources.stream().filter(r -> !r.plural().contains("/")).map(r -> {
            String path = "/" + prefix + (r.namespaced() ? "/namespaces/{namespace}/" : "/") + r.plural() + "/{name}";
            return "\"" + path + "\":{\"patch\":{\"x-kubernetes-group-version-kind\":{\"group\":\"" + group
                    + "\",\"version\":\"" + version + "\",\"kind\":\"" + r.kind() + "\"},"
                    + "\"parameters\":[{\"name\":\"fieldValidation\",\"in\":\"query\",\"schema\":{\"type\":\"string\"}}],"
                    + "\"responses\":{}}}";
        }).collect(Collectors.joining(","));
        return "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"sshtunnel sandbox\",\"version\":\"v1.32.0\"},\"paths\":{"
                + paths + "},\"components\":{\"schemas\":{}}}";
    }

    private DiscoveryDocuments() {
    }

    private static String list(String groupVersion, List<Resource> resources) {
        return "{\"kind\":\"APIResourceList\",\"groupVersion\":\"" + groupVersion + "\",\"resources\":["
                + resources.stream().map(Resource::json).collect(Collectors.joining(",")) + "]}";
    }

    /** The kind of a resource (plural name), or null when the sandbox does not know it. */
    static String kindOf(String plural) {
        return KINDS.get(plural);
    }

    /** The document at a path, or null when the path is not a discovery path. */
    static String get(String path) {
        return DOCUMENTS.get(path);
    }
}
