package dev.sshtunnel.forwarder.forward;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.ExecutorService;

import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.config.ForwardConfig;

/** ssh -D: a SOCKS proxy; each CONNECT becomes a direct-tcpip channel to the address the client asked for. */
final class DynamicForward extends ListeningForward {

    private static final int HANDSHAKE_TIMEOUT_MILLIS = 30_000;

    DynamicForward(ForwardConfig config, String listenAddress, ExecutorService threads) {
        super(config, listenAddress, threads);
    }

    @Override
    protected ChannelDirectTcpip connect(ClientSession session, Socket client) throws IOException {
        OutputStream out = client.getOutputStream();
        SocksHandshake request;
        client.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
        // Unbuffered on purpose: bytes after the request belong to the channel, not to a read-ahead buffer.
        DataInputStream in = new DataInputStream(client.getInputStream());
        try {
            request = SocksHandshake.read(in, out);
        } catch (SocksHandshake.Refused e) {
            refuse(client, Reason.ForwardRejected + ": " + e.getMessage());
            return null;
        }
        client.setSoTimeout(0);
        try {
            ChannelDirectTcpip channel = ChannelOpener.open(session, client, request.host, request.port);
            request.reply(out, SocksHandshake.SUCCEEDED);
            return channel;
        } catch (ChannelOpener.OpenFailure e) {
            request.reply(out, e.socksReply);
            throw e;
        }
    }
}
