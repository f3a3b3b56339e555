package dev.sshtunnel.api.v1alpha1;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Which targets Local forwards may ask a bastion's server to connect to. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LocalGrant {

    @Required
    @Size(min = 1, max = 64)
    @ValidationRule(value = "self.all(t, t.matches('" + LocalTargets.ENTRY + "'))",
            message = "targets entries are HOST:PORT where HOST is a name, *.suffix, an IP address or a CIDR and PORT a port or *",
            reason = "FieldValueInvalid")
    @JsonPropertyDescription("HOST:PORT entries: HOST a name (db.internal), a wildcard suffix (*.corp.example), an IP address "
            + "or a CIDR (10.20.0.0/16; IPv6 in brackets); PORT a number or *. A name is matched as written in the forward's "
            + "target (the bastion resolves it, not the cluster), so a CIDR matches IP-literal targets only.")
    private List<@Size(max = 300) String> targets = new ArrayList<>();

    public List<String> getTargets() { return targets; }
    public void setTargets(List<String> targets) { this.targets = targets; }
}
