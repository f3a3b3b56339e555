package dev.sshtunnel.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A namespace's own SSH server, shared by the namespace's tunnels through spec.bastionRef. */
@Group(SshTunnel.GROUP)
@Version(SshTunnel.VERSION)
@ShortNames({"sb"})
@AdditionalPrinterColumn(name = "Host", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.ssh.host")
@AdditionalPrinterColumn(name = "Tunnels", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.tunnels")
@AdditionalPrinterColumn(name = "Status", type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason")
@AdditionalPrinterColumn(name = "Age", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
@AdditionalPrinterColumn(name = "Message", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].message")
public class SshBastion extends CustomResource<SshBastionSpec, SshBastionStatus> implements Namespaced {

    public static final String KIND = "SshBastion";
}
