package dev.sshtunnel.forwarder.forward;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.AbstractChannel;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * Joins a socket to an SSH channel without a thread per connection: an accepted client to a
 * direct-tcpip channel (Local, Dynamic), a connection to the target to a forwarded-tcpip channel
 * the server opened (Remote, {@link ForwardedTcpipChannel}). Socket reads
 * and writes are asynchronous (NIO2, the {@link ForwardThreads} group), the channel is in MINA's async mode.
 * What each choice buys is measured in docs/benchmarks.md:
 * <ul>
 * <li>No thread hand-off on the data path. A socket read completes on a forward-io thread, which
 * encrypts and queues the SSH packet itself; data from the server is written to the socket by the
 * thread that decrypted it (MINA runs on the same group). The blocking pump this replaces went socket thread → piped stream → another
 * thread in each direction, which doubled the round-trip time and, at two threads per connection,
 * took 2 GiB for 10,000 channels.</li>
 * <li>Client bytes are read straight into an SSH packet buffer, with room left for the packet and
 * channel headers, so MINA sends it without copying it again.</li>
 * <li>Read buffers adapt: 2 KiB while a connection trades small messages (10,000 idle channels hold
 * 20 MiB), growing to the server's packet size (32 KiB from OpenSSH) once reads fill them.</li>
 * <li>Backpressure both ways: the next socket read starts only when the previous packet is written
 * (MINA's async stream waits for the server's window); bytes from the server release the local
 * window only once they are in the socket, so a client that stops reading stops the server after
 * one window.</li>
 * </ul>
 * Half-close is kept both ways: client EOF becomes SSH_MSG_CHANNEL_EOF (the reply still flows),
 * server EOF shuts the socket's output once everything before it is written. The channel and the
 * socket close when both directions have ended, or at once on an error.
 */
final class ChannelPump {

    private static final int MIN_READ = 2 * 1024;
    static final int MAX_READ = 32 * 1024;
    /** SSH packet header (length, padding length), message code, recipient channel, data length. */
    private static final int DATA_OFFSET = SshConstants.SSH_PACKET_HEADER_LEN + 1 + Integer.BYTES + Integer.BYTES;

    private final AsynchronousSocketChannel socket;
    private final ForwardCounters counters;
    private final ChannelDeadlines deadlines;
    private final AbstractChannel channel;
    private final Supplier<IoOutputStream> toServerStream;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final ChannelWindows.Window window = new ChannelWindows.Window(ChannelWindows.BUDGET);
    private final Reader reader = new Reader();
    private final Writer writer = new Writer();
    private final ClientToServer toServer = new ClientToServer();
    private final ServerToClient toClient = new ServerToClient();

    private int readSize = MIN_READ;

    /** When a byte last moved either way (ChannelDeadlines). */
    private volatile long lastProgress = System.nanoTime();

    /** The SSH channel of a pump and the stream that takes the client's bytes, then its EOF, to the server. */
    private record ChannelSide(AbstractChannel channel, Supplier<IoOutputStream> toServer) {
    }

    /** {@code side} makes the channel for this pump: a direct-tcpip channel hands the server's data to the pump it belongs to. */
    private ChannelPump(AsynchronousSocketChannel socket, ForwardCounters counters, ChannelDeadlines deadlines,
            Function<ChannelPump, ChannelSide> side) {
        this.socket = socket;
        this.counters = counters;
        this.deadlines = deadlines;
        ChannelSide made = side.apply(this);
        this.channel = made.channel();
        this.toServerStream = made.toServer();
    }

    /**
     * Registers a direct-tcpip channel (Local, Dynamic) for the socket on the session; {@link #open()}
     * sends the open request, and the pump moves bytes only after {@link #start()}. Data the server
     * sends before that is held.
     */
    static ChannelPump directTcpip(ClientSession session, AsynchronousSocketChannel socket, String host, int port,
            ForwardCounters counters, ChannelDeadlines deadlines) throws IOException {
        SshdSocketAddress originator = originator(socket);
        SshdSocketAddress target = new SshdSocketAddress(host, port);
        ChannelPump pump = new ChannelPump(socket, counters, deadlines, self -> {
            Bridged bridged = self.new Bridged(originator, target);
            return new ChannelSide(bridged, bridged::getAsyncIn);
        });
        Bridged bridged = (Bridged) pump.channel;
        bridged.setStreaming(StreamingChannel.Streaming.Async);
        session.getService(ConnectionService.class).registerChannel(bridged);
        ChannelWindows.startSmall(bridged);
        return pump;
    }

    /**
     * A pump for a channel the server opened (forwarded-tcpip of a Remote forward), already open;
     * the channel hands data and EOF to {@link #fromServer} and {@link #onServerEof}.
     */
    static ChannelPump serverOpened(AsynchronousSocketChannel socket, ForwardCounters counters, ChannelDeadlines deadlines,
            AbstractChannel channel, Supplier<IoOutputStream> toServer) {
        return new ChannelPump(socket, counters, deadlines, self -> new ChannelSide(channel, toServer));
    }

    /** The real originator of the connection (RFC 4254 §7.2), as OpenSSH sends it. */
    private static SshdSocketAddress originator(AsynchronousSocketChannel socket) throws IOException {
        InetSocketAddress from = (InetSocketAddress) socket.getRemoteAddress();
        return new SshdSocketAddress(from.getAddress().getHostAddress(), from.getPort());
    }

    /** Sends the open request of a {@link #directTcpip} pump's channel. */
    OpenFuture open() throws IOException {
        if (!(channel instanceof Bridged direct)) {
            throw new IllegalStateException("the server opened this channel; it is open already");
        }
        return direct.open();
    }

    /** The channel is open: count it, read from the socket, write what the server has sent so far. */
    void start() {
        counters.opened();
        lastProgress = System.nanoTime();
        deadlines.watch(this);
        channel.addCloseFutureListener(f -> onChannelClosed());
        if (toClient.start()) {
            writeQueued();
        } else {
            afterWrites();
        }
        read();
    }

    boolean countedBy(ForwardCounters forward) {
        return counters == forward;
    }

    /** The channel never opened (or took too long): drop it, leaving the socket to the caller for its reply. */
    void cancel() {
        channel.close(false);
    }

    /** Closes both ends; safe to call more than once and before {@link #start()}. */
    void abort() {
        closeSocket();
        channel.close(false);
        if (toClient.started()) {
            finish();
        }
    }

    // ---- client → server ----

    private void read() {
        Buffer packet = channel.getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_DATA, readSize + Integer.BYTES * 2);
        packet.wpos(DATA_OFFSET);
        ByteBuffer target = ByteBuffer.wrap(packet.array(), DATA_OFFSET, readSize);
        try {
            socket.read(target, packet, reader);
        } catch (RuntimeException e) { // socket already closed (ShutdownChannelGroupException and friends)
            abort();
        }
    }

    private final class Reader implements CompletionHandler<Integer, Buffer> {
        @Override
        public void completed(Integer n, Buffer packet) {
            if (n < 0) {
                clientEof();
                return;
            }
            if (n == 0) {
                read();
                return;
            }
            lastProgress = System.nanoTime();
            adaptReadSize(n);
            packet.rpos(DATA_OFFSET);
            packet.wpos(DATA_OFFSET + n);
            ClientToServer.AfterRead next = toServer.read(packet, n);
            if (next.writeNow() != null) {
                writeToServer(next.writeNow());
            }
            if (next.readMore()) {
                read();
            }
        }

        @Override
        public void failed(Throwable e, Buffer packet) {
            abort(); // reset by the client, or the socket was closed under the read
        }
    }

    /**
     * One packet at a time goes into MINA's async stream (it allows no concurrent writes, and waits
     * for the server's window); reads go on meanwhile, up to {@link ClientToServer#MAX_QUEUED}, so
     * reading the socket and writing the session overlap instead of taking turns.
     */
    private void writeToServer(Buffer packet) {
        int n = packet.available();
        IoWriteFuture written;
        try {
            written = toServerStream.get().writeBuffer(packet);
        } catch (IOException | RuntimeException e) {
            abort();
            return;
        }
        written.addListener(w -> {
            if (!w.isWritten()) {
                abort();
                return;
            }
            counters.sent(n);
            lastProgress = System.nanoTime();
            ClientToServer.AfterWrite next = toServer.written();
            if (next.next() != null) {
                writeToServer(next.next());
            }
            if (next.resume()) {
                read();
            }
            if (next.eof()) {
                sendEof();
            }
        });
    }

    /** A read that filled its buffer asks for a bigger one; a mostly empty one for a smaller one. */
    private void adaptReadSize(int n) {
        int max = (int) Math.min(MAX_READ, channel.getRemoteWindow().getPacketSize());
        if (n == readSize) {
            readSize = Math.min(max, readSize * 4);
        } else if (n < readSize / 8) {
            readSize = Math.max(MIN_READ, readSize / 2);
        }
    }

    private void clientEof() {
        if (toServer.clientEof()) {
            sendEof();
        }
    }

    /** Everything the client sent is written: SSH_MSG_CHANNEL_EOF; the reply still flows. */
    private void sendEof() {
        toServerStream.get().close(false).addListener(f -> {
            toServer.eofSent();
            endIfDone();
        });
    }

    // ---- server → client ----

    /** On MINA's thread: data from the server. The local window is released once it reaches the socket. */
    void fromServer(byte[] data, int off, int len) {
        ByteBuffer copy = ByteBuffer.allocate(len);
        copy.put(data, off, len).flip();
        if (toClient.add(copy)) {
            writeQueued();
        }
    }

    private void writeQueued() {
        ByteBuffer[] batch = toClient.batch();
        try {
            socket.write(batch, 0, batch.length, 0L, TimeUnit.MILLISECONDS, null, writer);
        } catch (RuntimeException e) {
            abort();
        }
    }

    private final class Writer implements CompletionHandler<Long, Void> {
        @Override
        public void completed(Long written, Void ignored) {
            counters.received(written);
            long now = System.nanoTime();
            lastProgress = now;
            ServerToClient.AfterWrite next = toClient.written(written, now);
            try {
                channel.getLocalWindow().release(window.afterWrite(written, next.behind()));
            } catch (IOException | RuntimeException e) {
                abort();
                return;
            }
            if (next.more()) {
                writeQueued();
            } else {
                afterWrites();
            }
        }

        @Override
        public void failed(Throwable e, Void ignored) {
            abort(); // the client went away
        }
    }

    /** Everything from the server is in the socket: pass on the server's EOF or close. */
    private void afterWrites() {
        ServerToClient.Idle idle = toClient.idle();
        if (idle == ServerToClient.Idle.CLOSE) {
            closeSocket();
            finish();
            return;
        }
        if (idle == ServerToClient.Idle.SHUT_OUTPUT) {
            try {
                socket.shutdownOutput();
            } catch (IOException e) {
                abort();
                return;
            }
            endIfDone();
        }
    }

    void onServerEof() {
        if (toClient.serverEof()) { // else start() passes it on
            afterWrites();
        }
    }

    /** The server closed the channel, or the session ended: deliver what is queued, then close the socket. */
    private void onChannelClosed() {
        if (toClient.channelClosed() || !channel.getSession().isOpen()) {
            closeSocket();
            finish();
        }
    }

    /** Both directions have ended: close the channel (gracefully) and the socket. */
    private void endIfDone() {
        if (toServer.ended() && toClient.ended()) {
            closeSocket();
            channel.close(false);
            finish();
        }
    }

    /** Why the channel should be closed at {@code now} (ChannelDeadlines), or null. */
    String expired(long now) {
        long writeNanos = ChannelDeadlines.writeNanos(counters.config());
        long idleNanos = ChannelDeadlines.idleNanos(counters.config());
        long pending = toClient.writePendingSince();
        if (pending != 0 && now - pending > writeNanos) {
            return "the client took none of the bytes owed to it for " + TimeUnit.NANOSECONDS.toSeconds(writeNanos) + " s";
        }
        if (idleNanos > 0 && now - lastProgress > idleNanos) {
            return "idle for " + TimeUnit.NANOSECONDS.toSeconds(idleNanos) + " s";
        }
        return null;
    }

    private void finish() {
        if (ended.compareAndSet(false, true)) {
            deadlines.forget(this);
            window.close();
            counters.closed();
        }
    }

    private void closeSocket() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    /** The direct-tcpip channel of this pump: hands the server's data and EOF to it. */
    private final class Bridged extends ChannelDirectTcpip {
        Bridged(SshdSocketAddress originator, SshdSocketAddress target) {
            super(originator, target);
        }

        @Override
        protected void doWriteData(byte[] data, int off, long len) {
            fromServer(data, off, (int) len);
        }

        @Override
        public void handleEof() throws IOException {
            super.handleEof();
            onServerEof();
        }
    }
}
