package dev.sshtunnel.api.v1alpha1;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ForwarderSpec {

    @JsonPropertyDescription("Forwarder image. Defaults to the operator's own image, so both always match in version.")
    private String image;

    @JsonPropertyDescription("CPU and memory requests and limits of the forwarder container.")
    private ResourceRequirements resources;

    @JsonPropertyDescription("Node selector of the forwarder pods.")
    private Map<String, String> nodeSelector = new LinkedHashMap<>();

    @JsonPropertyDescription("Tolerations of the forwarder pods.")
    private List<Toleration> tolerations = new ArrayList<>();

    @JsonPropertyDescription("Annotations added to the forwarder pods.")
    private Map<String, String> podAnnotations = new LinkedHashMap<>();

    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public ResourceRequirements getResources() { return resources; }
    public void setResources(ResourceRequirements resources) { this.resources = resources; }
    public Map<String, String> getNodeSelector() { return nodeSelector; }
    public void setNodeSelector(Map<String, String> nodeSelector) { this.nodeSelector = nodeSelector; }
    public List<Toleration> getTolerations() { return tolerations; }
    public void setTolerations(List<Toleration> tolerations) { this.tolerations = tolerations; }
    public Map<String, String> getPodAnnotations() { return podAnnotations; }
    public void setPodAnnotations(Map<String, String> podAnnotations) { this.podAnnotations = podAnnotations; }
}
