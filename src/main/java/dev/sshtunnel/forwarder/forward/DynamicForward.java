package dev.sshtunnel.forwarder.forward;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.Channels;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.sshd.client.session.ClientSession;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.config.ForwardConfig;

/** ssh -D: a SOCKS proxy; each CONNECT becomes a direct-tcpip channel to the address the client asked for. */
final class DynamicForward extends ListeningForward {

    private static final long HANDSHAKE_TIMEOUT_MILLIS = 30_000;

    DynamicForward(ForwardConfig config, String listenAddress) {
        super(config, listenAddress);
    }

    /** The handshake blocks on the client's bytes, so it runs on a handshake thread; the channel opens asynchronously. */
    @Override
    protected void connect(ClientSession session, AsynchronousSocketChannel client) {
        try {
            ForwardIo.HANDSHAKES.execute(() -> handshake(session, client));
        } catch (RejectedExecutionException e) {
            refuse(client, Reason.ForwardRejected + ": no thread for the SOCKS handshake");
        }
    }

    private void handshake(ClientSession session, AsynchronousSocketChannel client) {
        // A client that stops half-way through the handshake is cut off instead of holding a thread.
        ScheduledFuture<?> timeout = ForwardIo.TIMER.schedule(() -> closeQuietly(client), HANDSHAKE_TIMEOUT_MILLIS,
                TimeUnit.MILLISECONDS);
        SocksHandshake request;
        try {
            // Unbuffered on purpose: bytes after the request belong to the channel, not to a read-ahead buffer.
            request = SocksHandshake.read(new DataInputStream(Channels.newInputStream(client)), Channels.newOutputStream(client));
        } catch (SocksHandshake.Refused e) {
            refuse(client, Reason.ForwardRejected + ": " + e.getMessage());
            return;
        } catch (IOException | RuntimeException e) {
            refuse(client, Reason.ForwardRejected + ": SOCKS handshake failed: "
                    + (timeout.isDone() ? "no request within " + HANDSHAKE_TIMEOUT_MILLIS / 1000 + " s" : String.valueOf(e.getMessage())));
            return;
        } finally {
            timeout.cancel(false);
        }
        bridge(session, client, request.host, request.port, new OpenReply() {
            @Override
            public ByteBuffer opened() {
                return ByteBuffer.wrap(request.replyBytes(SocksHandshake.SUCCEEDED));
            }

            @Override
            public ByteBuffer refused(ChannelOpener.OpenFailure failure) {
                return ByteBuffer.wrap(request.replyBytes(failure.socksReply));
            }
        });
    }

    private static void closeQuietly(AsynchronousSocketChannel client) {
        try {
            client.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
