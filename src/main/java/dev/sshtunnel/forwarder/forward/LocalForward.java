package dev.sshtunnel.forwarder.forward;

import java.nio.channels.AsynchronousSocketChannel;

import org.apache.sshd.client.session.ClientSession;

import dev.sshtunnel.config.ForwardConfig;

/** ssh -L: each accepted connection gets its own direct-tcpip channel to the configured target. */
final class LocalForward extends ListeningForward {

    LocalForward(ForwardConfig config, String listenAddress, ForwardThreads threads) {
        super(config, listenAddress, threads);
    }

    @Override
    protected void connect(ClientSession session, AsynchronousSocketChannel client) {
        bridge(session, client, config.targetHost(), config.targetPort());
    }
}
