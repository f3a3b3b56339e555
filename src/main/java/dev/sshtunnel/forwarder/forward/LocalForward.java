package dev.sshtunnel.forwarder.forward;

import java.nio.channels.AsynchronousSocketChannel;

import org.apache.sshd.client.session.ClientSession;

import dev.sshtunnel.config.ForwardConfig;

/** ssh -L: each accepted connection gets its own direct-tcpip channel to the configured target. */
final class LocalForward extends ListeningForward {

    LocalForward(ForwardConfig config, String listenAddress) {
        super(config, listenAddress);
    }

    @Override
    protected void connect(ClientSession session, AsynchronousSocketChannel client) {
        bridge(session, client, config.targetHost(), config.targetPort());
    }
}
