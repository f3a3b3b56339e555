package dev.sshtunnel.operator;

/** Ports the forwarder container uses besides the forwards. */
public final class ForwarderPorts {

    /** /status and health: the forwarder's default --http-port, so the pod args need not repeat it. */
    public static final int HTTP = 8081;

    private ForwarderPorts() {
    }
}
