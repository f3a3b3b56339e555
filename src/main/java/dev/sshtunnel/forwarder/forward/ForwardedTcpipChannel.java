package dev.sshtunnel.forwarder.forward;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.Closeable;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelAsyncOutputStream;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.future.DefaultCloseFuture;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.channel.AbstractServerChannel;
import org.apache.sshd.server.forward.TcpForwardingFilter;

import dev.sshtunnel.api.v1alpha1.Reason;

/**
 * A forwarded-tcpip channel the server opens for a connection to a Remote forward's port: connects
 * to the forward's target on the forwarders' I/O group and moves bytes with the same
 * {@link ChannelPump} as Local and Dynamic forwards.
 *
 * <p>Replaces MINA's own forwarded-tcpip channel, which stops reading the target until each buffer
 * is written into the session (so reading and writing never overlap: 0.54x OpenSSH target → client
 * in docs/benchmarks.md), creates a connector per channel and a thread pool per close.
 */
final class ForwardedTcpipChannel extends AbstractServerChannel {

    static final String TYPE = "forwarded-tcpip";

    /** Installed on the client in place of MINA's factory for this channel type; the channels run on {@code threads}. */
    static ChannelFactory factory(ForwardThreads threads) {
        return new ChannelFactory() {
            @Override
            public String getName() {
                return TYPE;
            }

            @Override
            public Channel createChannel(Session session) {
                return new ForwardedTcpipChannel(threads);
            }
        };
    }

    private final ForwardThreads threads;
    private volatile ChannelPump pump;
    private volatile ChannelAsyncOutputStream toServer;

    private ForwardedTcpipChannel(ForwardThreads threads) {
        super(TYPE, List.of(), null);
        this.threads = threads;
    }

    /** RFC 4254 §7.2: the address and port the server accepted on, then the originator's. */
    @Override
    protected OpenFuture doInit(Buffer buffer) {
        buffer.getString(); // the address that was connected (the server's listen address)
        int connectedPort = buffer.getInt();
        buffer.getString(); // originator address
        buffer.getInt(); // originator port
        OpenFuture opened = new DefaultOpenFuture(this, futureLock);
        try {
            ChannelWindows.startSmall(this); // before the open confirmation announces the window
        } catch (IOException e) {
            opened.setException(e);
            close(true);
            return opened;
        }
        Session session = getSession();
        SshdSocketAddress target = session.getService(ConnectionService.class).getForwarder().getForwardedPort(connectedPort);
        RemoteTargets targets = RemoteTargets.of(session);
        // MINA maps the port a moment before the forward records it (and unmaps it a moment after the forward
        // let go): a channel in that moment is refused like one for a port that was never forwarded.
        ForwardCounters counters = targets.counters(connectedPort);
        if (target == null || counters == null || !targets.canConnect(TcpForwardingFilter.Type.Forwarded, target, session)) {
            opened.setException(new SshChannelOpenException(getChannelId(), SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED,
                    "no Remote forward for port " + connectedPort));
            close(true);
            return opened;
        }
        if (!counters.admit()) {
            String error = counters.overLimit("channel from the server refused");
            opened.setException(new SshChannelOpenException(getChannelId(), SshConstants.SSH_OPEN_RESOURCE_SHORTAGE, error));
            close(true);
            return opened;
        }
        // The target is resolved and judged off the I/O threads; nothing connects to an address the policy denies.
        TargetLookup.resolve(targets.policy(), target.getHostName(), threads.resolver(), result -> {
            if (result instanceof TargetLookup.Reachable reachable) {
                connect(reachable.address(), target, targets, counters, connectedPort, opened);
            } else if (result instanceof TargetLookup.NotAllowed notAllowed) {
                refuse(opened, targets, connectedPort, counters.failed(Reason.TargetNotAllowed, notAllowed.message()),
                        SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, "target not allowed");
            } else {
                refuse(opened, targets, connectedPort, counters.failed(Reason.Unreachable, ((TargetLookup.NotFound) result).message()),
                        SshConstants.SSH_OPEN_CONNECT_FAILED, "cannot resolve the target");
            }
        });
        return opened;
    }

    /** Refuses the channel after doInit returned: the server closes the connection it accepted. */
    private void refuse(OpenFuture opened, RemoteTargets targets, int connectedPort, String error, int reasonCode, String toServer) {
        targets.logFailure(connectedPort, error);
        // The server is told little: the target and the rule are the tunnel's business, not the server's.
        SshChannelOpenException refusal = new SshChannelOpenException(getChannelId(), reasonCode, toServer);
        signalChannelOpenFailure(refusal);
        opened.setException(refusal);
        close(true);
    }

    /** Connects to {@code address}, the judged address of {@code target}, within the tunnel's connect timeout. */
    private void connect(InetAddress address, SshdSocketAddress target, RemoteTargets targets, ForwardCounters counters,
            int connectedPort, OpenFuture opened) {
        AsynchronousSocketChannel socket;
        try {
            socket = AsynchronousSocketChannel.open(threads.group());
            ForwardSockets.configure(socket);
        } catch (IOException e) {
            refuse(opened, targets, connectedPort, counters.failed(Reason.Unreachable, "cannot open a socket: " + e.getMessage()),
                    SshConstants.SSH_OPEN_RESOURCE_SHORTAGE, "cannot open a socket");
            return;
        }
        // A target that drops SYNs would otherwise hold the channel for the kernel's 2 minutes of retries.
        Duration connectTimeout = targets.connectTimeout();
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> deadline = threads.timer().schedule(() -> {
            timedOut.set(true); // before the close: the failed connect may be reported while this task still runs
            try {
                socket.close(); // the pending connect fails with AsynchronousCloseException
            } catch (IOException ignored) {
                // closing
            }
        }, connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
        socket.connect(new InetSocketAddress(address, target.getPort()), null, new CompletionHandler<Void, Void>() {
            @Override
            public void completed(Void result, Void ignored) {
                deadline.cancel(false);
                toServer = new DataThenEof();
                pump = ChannelPump.serverOpened(socket, counters, threads.deadlines(), ForwardedTcpipChannel.this, () -> toServer);
                // Sends SSH_MSG_CHANNEL_OPEN_CONFIRMATION (MINA's channel listener); data may follow it.
                signalChannelOpenSuccess();
                opened.setOpened();
                pump.start();
            }

            @Override
            public void failed(Throwable e, Void ignored) {
                deadline.cancel(false);
                try {
                    socket.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
                targets.logFailure(connectedPort, counters.failed(Reason.Unreachable, "cannot connect to " + target.getHostName()
                        + ":" + target.getPort() + ": "
                        + (timedOut.get() ? "no answer within " + connectTimeout.toSeconds() + " s" : e.getMessage())));
                signalChannelOpenFailure(e);
                opened.setException(new SshChannelOpenException(getChannelId(), SshConstants.SSH_OPEN_CONNECT_FAILED,
                        String.valueOf(e.getMessage()), e));
                close(true);
            }
        });
    }

    @Override
    public void handleWindowAdjust(Buffer buffer) throws IOException {
        super.handleWindowAdjust(buffer);
        ChannelAsyncOutputStream stream = toServer;
        if (stream != null) {
            stream.onWindowExpanded();
        }
    }

    @Override
    protected void doWriteData(byte[] data, int off, long len) {
        pump.fromServer(data, off, (int) len);
    }

    @Override
    protected void doWriteExtendedData(byte[] data, int off, long len) {
        throw new UnsupportedOperationException(TYPE + " channels carry no extended data");
    }

    @Override
    public void handleEof() throws IOException {
        super.handleEof();
        ChannelPump current = pump;
        if (current != null) {
            current.onServerEof();
        }
    }

    @Override
    protected boolean mayWrite() {
        return !isClosed(); // the graceful close of the data stream still writes
    }

    @Override
    protected Closeable getInnerCloseable() {
        return builder().close(toServer).close(super.getInnerCloseable()).build();
    }

    /** Channel data to the server; a graceful close sends SSH_MSG_CHANNEL_EOF after the last packet. */
    private final class DataThenEof extends ChannelAsyncOutputStream {
        DataThenEof() {
            super(ForwardedTcpipChannel.this, SshConstants.SSH_MSG_CHANNEL_DATA);
        }

        @Override
        protected CloseFuture doCloseGracefully() {
            DefaultCloseFuture result = new DefaultCloseFuture(getChannelId(), futureLock);
            super.doCloseGracefully().addListener(written -> {
                try {
                    IoWriteFuture eof = sendEof();
                    if (eof != null) {
                        eof.addListener(f -> result.setClosed());
                        return;
                    }
                } catch (IOException e) {
                    getSession().exceptionCaught(e);
                }
                result.setClosed();
            });
            return result;
        }
    }
}
