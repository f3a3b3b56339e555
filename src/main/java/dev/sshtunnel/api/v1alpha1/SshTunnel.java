package dev.sshtunnel.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * An SSH session to a server with local (-L), remote (-R) and dynamic (-D) forwards, held open by
 * forwarder pods. Printer columns read the Ready condition, never a free-text phase.
 */
@Group("sshtunnel.dev")
@Version("v1alpha1")
@ShortNames({"sst", "sshtun"})
@AdditionalPrinterColumn(name = "Host", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.ssh.host")
@AdditionalPrinterColumn(name = "Bastion", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        jsonPath = ".spec.bastionRef.name")
@AdditionalPrinterColumn(name = "Forwards", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.readyForwards")
@AdditionalPrinterColumn(name = "Channels", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.activeChannels")
@AdditionalPrinterColumn(name = "Status", type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason")
@AdditionalPrinterColumn(name = "Age", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
@AdditionalPrinterColumn(name = "Serving", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        jsonPath = ".status.forwards[?(@.type==\"Remote\")].servingPod")
@AdditionalPrinterColumn(name = "Message", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].message")
public class SshTunnel extends CustomResource<SshTunnelSpec, SshTunnelStatus> implements Namespaced {

    public static final String GROUP = "sshtunnel.dev";
    public static final String VERSION = "v1alpha1";
    public static final String API_VERSION = GROUP + "/" + VERSION;
    public static final String KIND = "SshTunnel";
}
