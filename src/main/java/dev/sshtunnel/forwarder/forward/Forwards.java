package dev.sshtunnel.forwarder.forward;

import java.time.Duration;
import java.util.List;

import org.apache.sshd.client.SshClient;

import dev.sshtunnel.config.ForwardConfig;

/** Creates forwards, and prepares the SSH client for them. */
public final class Forwards {

    private Forwards() {
    }

    /** listenAddress: where Local and Dynamic listeners bind (127.0.0.1 on a workstation, 0.0.0.0 in a pod). */
    public static Forward create(ForwardConfig config, String listenAddress) {
        return switch (config.type()) {
            case Local -> new LocalForward(config, listenAddress);
            case Dynamic -> new DynamicForward(config, listenAddress);
            case Remote -> new RemoteForward(config);
        };
    }

    /**
     * Installs the filter that lets forwarded-tcpip channels reach only configured Remote targets,
     * and the forwarded-tcpip channel that pumps them like Local forwards ({@link ForwardedTcpipChannel}),
     * which connects to a target within connectTimeout.
     */
    public static void configureClient(SshClient client, Duration connectTimeout) {
        client.setForwardingFilter(new RemoteTargets(connectTimeout));
        client.setChannelFactories(List.of(ForwardedTcpipChannel.FACTORY));
    }
}
