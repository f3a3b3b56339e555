package dev.sshtunnel.forwarder.forward;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.ExecutorService;

import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;

import dev.sshtunnel.config.ForwardConfig;

/** ssh -L: each accepted connection gets its own direct-tcpip channel to the configured target. */
final class LocalForward extends ListeningForward {

    LocalForward(ForwardConfig config, String listenAddress, ExecutorService threads) {
        super(config, listenAddress, threads);
    }

    @Override
    protected ChannelDirectTcpip connect(ClientSession session, Socket client) throws IOException {
        return ChannelOpener.open(session, client, config.targetHost(), config.targetPort());
    }
}
