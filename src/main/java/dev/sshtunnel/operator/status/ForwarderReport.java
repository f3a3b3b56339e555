package dev.sshtunnel.operator.status;

import dev.sshtunnel.api.forwarder.ForwarderStatus;

/** One forwarder pod's GET /status, as the operator read it (its text already cleaned and bounded). */
public record ForwarderReport(String podName, ForwarderStatus status) {

    /**
     * The pod runs the document of this SshTunnel generation. It follows its ConfigMap volume, so this lags the
     * spec by the kubelet's volume refresh.
     */
    public boolean runs(long tunnelGeneration) {
        return status.generation() != null && status.generation() == tunnelGeneration;
    }

    public boolean up() {
        return status.up();
    }
}
