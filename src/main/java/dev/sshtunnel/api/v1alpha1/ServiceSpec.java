package dev.sshtunnel.api.v1alpha1;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ServiceSpec {

    @Default("ClusterIP")
    @JsonPropertyDescription("Service type. ClusterIP (default) keeps the forwards inside the cluster.")
    private ServiceType type;

    @JsonPropertyDescription("Annotations added to the Service.")
    private Map<String, String> annotations = new LinkedHashMap<>();

    @JsonPropertyDescription("Labels added to the Service.")
    private Map<String, String> labels = new LinkedHashMap<>();

    public ServiceType getType() { return type; }
    public void setType(ServiceType type) { this.type = type; }
    public Map<String, String> getAnnotations() { return annotations; }
    public void setAnnotations(Map<String, String> annotations) { this.annotations = annotations; }
    public Map<String, String> getLabels() { return labels; }
    public void setLabels(Map<String, String> labels) { this.labels = labels; }
}
