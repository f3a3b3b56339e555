package dev.sshtunnel.forwarder.forward;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;

import org.apache.sshd.client.session.ClientSession;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.config.ForwardConfig;

/** ssh -D: a SOCKS proxy; each CONNECT becomes a direct-tcpip channel to the address the client asked for. */
final class DynamicForward extends ListeningForward {

    DynamicForward(ForwardConfig config, String listenAddress, ForwardThreads threads) {
        super(config, listenAddress, threads);
    }

    /** The handshake and the channel open are both asynchronous: no thread waits for the client. */
    @Override
    protected void connect(ClientSession session, AsynchronousSocketChannel client) {
        SocksNegotiation.start(client, threads.timer(), new SocksNegotiation.Outcome() {
            @Override
            public void connect(SocksHandshake request) {
                bridge(session, client, request.host, request.port, new OpenReply() {
                    @Override
                    public ByteBuffer opened() {
                        return ByteBuffer.wrap(request.replyBytes(SocksHandshake.SUCCEEDED));
                    }

                    @Override
                    public ByteBuffer refused(ChannelOpenFailure failure) {
                        return ByteBuffer.wrap(request.replyBytes(failure.socksReply));
                    }
                });
            }

            @Override
            public void refuse(String message, boolean byClient) {
                if (byClient) {
                    abandoned(client, Reason.ForwardRejected, message);
                } else {
                    DynamicForward.this.refuse(client, Reason.ForwardRejected, message);
                }
            }
        });
    }
}
