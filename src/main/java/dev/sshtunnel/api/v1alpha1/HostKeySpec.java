package dev.sshtunnel.api.v1alpha1;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostKeySpec {

    /** An OpenSSH SHA256 fingerprint as ssh-keygen -l prints it (padding optional). */
    public static final String FINGERPRINT = "^SHA256:[A-Za-z0-9+/]{43}=?$";

    /** The CRD's default policy (the @Default below says the same to the API server). */
    public static final String DEFAULT_POLICY = "Strict";

    @Default(DEFAULT_POLICY)
    @JsonPropertyDescription("Strict (default): only listed keys are accepted. AcceptNew: the first key seen is trusted and "
            + "reported in status. Insecure: any key is accepted (man-in-the-middle risk).")
    private HostKeyPolicy policy;

    @Size(max = 65536)
    @JsonPropertyDescription("known_hosts lines, as in ~/.ssh/known_hosts: '[host]:port' for non-22 ports, hashed hosts (|1|...), "
            + "@cert-authority and @revoked markers. Get them with: ssh-keyscan -p PORT HOST")
    private String knownHosts;

    @Size(max = 16)
    @JsonPropertyDescription("SHA256 fingerprints of accepted host keys, as ssh-keygen -lf prints them (SHA256:base64).")
    private List<@Pattern(FINGERPRINT) String> fingerprints = new ArrayList<>();

    public HostKeyPolicy getPolicy() { return policy; }
    public void setPolicy(HostKeyPolicy policy) { this.policy = policy; }
    public String getKnownHosts() { return knownHosts; }
    public void setKnownHosts(String knownHosts) { this.knownHosts = knownHosts; }
    public List<String> getFingerprints() { return fingerprints; }
    public void setFingerprints(List<String> fingerprints) { this.fingerprints = fingerprints; }

    public HostKeyPolicy effectivePolicy() {
        return policy == null ? HostKeyPolicy.valueOf(DEFAULT_POLICY) : policy;
    }
}
