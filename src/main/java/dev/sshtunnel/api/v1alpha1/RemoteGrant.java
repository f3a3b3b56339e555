package dev.sshtunnel.api.v1alpha1;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** What Remote forwards may bind on a bastion's server. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RemoteGrant {

    @Required
    @Size(min = 1, max = 16)
    @ValidationRule(value = HostName.EVERY_ITEM_RULE,
            message = "bindAddresses must be host names or IP addresses", reason = "FieldValueInvalid")
    @JsonPropertyDescription("bindAddress values a Remote forward may use (e.g. localhost, 0.0.0.0). A forward without "
            + "bindAddress binds localhost.")
    private List<@Size(max = 253) String> bindAddresses = new ArrayList<>();

    @Required
    @Size(min = 1, max = 64)
    @ValidationRule(value = "self.all(p, p.matches('" + PortRanges.ENTRY + "'))",
            message = "ports entries are a port (443) or a range (8000-8999)", reason = "FieldValueInvalid")
    @JsonPropertyDescription("Ports a Remote forward may bind: single ports (\"443\") or inclusive ranges (\"8000-8999\"). "
            + "Port 0 (the server allocates one) is not grantable: the ledger needs the port.")
    private List<@Size(max = 11) String> ports = new ArrayList<>();

    public List<String> getBindAddresses() { return bindAddresses; }
    public void setBindAddresses(List<String> bindAddresses) { this.bindAddresses = bindAddresses; }
    public List<String> getPorts() { return ports; }
    public void setPorts(List<String> ports) { this.ports = ports; }
}
