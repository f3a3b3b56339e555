package dev.sshtunnel.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A platform-owned SSH server granted to namespaces: tenants name it in spec.bastionRef and never see its key. */
@Group(SshTunnel.GROUP)
@Version(SshTunnel.VERSION)
@ShortNames({"csb"})
@AdditionalPrinterColumn(name = "Host", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.ssh.host")
@AdditionalPrinterColumn(name = "Credentials", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.credentialsNamespace")
@AdditionalPrinterColumn(name = "Allowed", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.allowedNamespaces.from")
@AdditionalPrinterColumn(name = "Tunnels", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.tunnels")
@AdditionalPrinterColumn(name = "Status", type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason")
@AdditionalPrinterColumn(name = "Age", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
@AdditionalPrinterColumn(name = "Message", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].message")
public class ClusterSshBastion extends CustomResource<ClusterSshBastionSpec, SshBastionStatus> {

    public static final String KIND = "ClusterSshBastion";
}
