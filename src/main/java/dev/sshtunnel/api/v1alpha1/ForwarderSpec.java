package dev.sshtunnel.api.v1alpha1;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ForwarderSpec {

    /**
     * Annotation keys that change a pod's confinement rather than describe it: AppArmor and seccomp
     * profiles (the annotation forms the API server still maps to the fields, e.g. AppArmor
     * {@code unconfined}), container-runtime overrides honoured when a runtime allows them (CRI-O,
     * crun, Kata, gVisor), and the operator's own {@code sshtunnel.dev/} keys (the tunnel generation).
     */
    static final String NO_CONFINEMENT_ANNOTATIONS = "self.all(k, "
            + "!k.startsWith('container.apparmor.security.beta.kubernetes.io/')"
            + " && !k.startsWith('seccomp.security.alpha.kubernetes.io/')"
            + " && !k.startsWith('container.seccomp.security.alpha.kubernetes.io/')"
            + " && !k.startsWith('io.kubernetes.cri-o.')"
            + " && !k.startsWith('run.oci.')"
            + " && !k.startsWith('io.katacontainers.')"
            + " && !k.startsWith('dev.gvisor.')"
            + " && !k.startsWith('sshtunnel.dev/'))";

    @Size(max = 512) // registry/repository (255) + tag (128) + digest (71) with room to spare
    @JsonPropertyDescription("Forwarder image. Defaults to the operator's own image, so both always match in version. "
            + "At most 512 characters.")
    private String image;

    @JsonPropertyDescription("CPU and memory requests and limits of the forwarder container.")
    private ResourceRequirements resources;

    @JsonPropertyDescription("Node selector of the forwarder pods.")
    private Map<String, String> nodeSelector = new LinkedHashMap<>();

    @JsonPropertyDescription("Tolerations of the forwarder pods.")
    private List<Toleration> tolerations = new ArrayList<>();

    @JsonPropertyDescription("Annotations added to the forwarder pods. Keys that change the pod's confinement are refused: "
            + "AppArmor and seccomp annotations, container-runtime overrides (io.kubernetes.cri-o., run.oci., io.katacontainers., "
            + "dev.gvisor.) and the operator's own sshtunnel.dev/ keys.")
    // Entry count, key and value length: api.crd.SchemaBounds (which also bounds the CEL rule's cost).
    @ValidationRule(value = NO_CONFINEMENT_ANNOTATIONS, reason = "FieldValueForbidden",
            message = "must not set AppArmor, seccomp, container-runtime (io.kubernetes.cri-o., run.oci., io.katacontainers., "
                    + "dev.gvisor.) or sshtunnel.dev/ annotations: forwarder pods hold SSH keys and keep the restricted "
                    + "profile (RuntimeDefault seccomp, the runtime's default AppArmor profile)")
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
