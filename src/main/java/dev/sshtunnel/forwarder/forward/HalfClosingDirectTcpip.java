package dev.sshtunnel.forwarder.forward;

import java.io.IOException;

import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.common.session.ConnectionService;

/**
 * A direct-tcpip channel whose blocking output stream ends at the server's SSH_MSG_CHANNEL_EOF.
 * MINA's stock channel ends it only at CHANNEL_CLOSE, so a target that half-closes (sends its
 * reply, then EOF, and keeps reading) would leave the client waiting forever.
 */
final class HalfClosingDirectTcpip extends ChannelDirectTcpip {

    private HalfClosingDirectTcpip(SshdSocketAddress local, SshdSocketAddress remote) {
        super(local, remote);
    }

    /** Creates and registers the channel on the session, as ClientSession.createDirectTcpipChannel does. */
    static HalfClosingDirectTcpip create(ClientSession session, SshdSocketAddress originator, SshdSocketAddress target)
            throws IOException {
        HalfClosingDirectTcpip channel = new HalfClosingDirectTcpip(originator, target);
        channel.setStreaming(StreamingChannel.Streaming.Sync);
        session.getService(ConnectionService.class).registerChannel(channel);
        return channel;
    }

    @Override
    public void handleEof() throws IOException {
        super.handleEof();
        if (out != null) {
            out.close(); // the piped input stream now returns -1 once buffered data is read
        }
    }
}
