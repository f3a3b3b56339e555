package dev.sshtunnel.forwarder.forward;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * and writes are asynchronous (NIO2, {@link ForwardThreads}'s group), the channel is in MINA's async mode.
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
    private static final int MAX_READ = 32 * 1024;
    /** SSH packet header (length, padding length), message code, recipient channel, data length. */
    private static final int DATA_OFFSET = SshConstants.SSH_PACKET_HEADER_LEN + 1 + Integer.BYTES + Integer.BYTES;
    /** Bytes read from the client but not yet handed to MINA, before reading pauses. */
    private static final int MAX_QUEUED_TO_SERVER = 4 * MAX_READ;
    /** At most this many queued buffers go into one gathering socket write. */
    private static final int MAX_GATHER = 16;

    private final AsynchronousSocketChannel socket;
    private final ForwardCounters counters;
    private final AbstractChannel channel;
    private final Supplier<IoOutputStream> toServerStream;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final ChannelWindows.Window window = new ChannelWindows.Window(ChannelWindows.BUDGET);
    private final Reader reader = new Reader();
    private final Writer writer = new Writer();

    private int readSize = MIN_READ;

    // Deadlines (ChannelDeadlines): when a byte last moved either way, and since when a write to the socket waits.
    private volatile long lastProgress = System.nanoTime();
    private volatile long writePendingSince;

    // Server → client state, guarded by "toClient".
    private final ArrayDeque<ByteBuffer> toClient = new ArrayDeque<>();
    private boolean started;
    private boolean writing;
    /** Bytes from the server not yet in the socket. */
    private long queuedToClient;
    private boolean serverEof;
    private boolean outputShut;
    private boolean channelClosed;

    // Client → server state, guarded by "toServer".
    private final ArrayDeque<Buffer> toServer = new ArrayDeque<>();
    private int queuedToServer;
    private boolean writingToServer;
    private boolean readStalled;
    private boolean clientEof;
    private boolean eofSent;

    private ChannelPump(AsynchronousSocketChannel socket, ForwardCounters counters, SshdSocketAddress originator,
            SshdSocketAddress target) {
        this.socket = socket;
        this.counters = counters;
        Bridged bridged = new Bridged(originator, target);
        this.channel = bridged;
        this.toServerStream = bridged::getAsyncIn;
    }

    /**
     * A pump for a channel the server opened (forwarded-tcpip of a Remote forward), already open;
     * the channel hands data and EOF to {@link #fromServer} and {@link #onServerEof}.
     */
    ChannelPump(AsynchronousSocketChannel socket, ForwardCounters counters, AbstractChannel channel,
            Supplier<IoOutputStream> toServer) {
        this.socket = socket;
        this.counters = counters;
        this.channel = channel;
        this.toServerStream = toServer;
    }

    /**
     * Registers a direct-tcpip channel for the socket on the session and sends the open request; the
     * pump moves bytes only after {@link #start()}. Data the server sends before that is held.
     */
    static ChannelPump create(ClientSession session, AsynchronousSocketChannel socket, String host, int port,
            ForwardCounters counters) throws IOException {
        ChannelPump pump = new ChannelPump(socket, counters, originator(socket), new SshdSocketAddress(host, port));
        Bridged bridged = (Bridged) pump.channel;
        bridged.setStreaming(StreamingChannel.Streaming.Async);
        session.getService(ConnectionService.class).registerChannel(bridged);
        ChannelWindows.startSmall(bridged);
        return pump;
    }

    /** The real originator of the connection (RFC 4254 §7.2), as OpenSSH sends it. */
    private static SshdSocketAddress originator(AsynchronousSocketChannel socket) throws IOException {
        InetSocketAddress from = (InetSocketAddress) socket.getRemoteAddress();
        return new SshdSocketAddress(from.getAddress().getHostAddress(), from.getPort());
    }

    OpenFuture open() throws IOException {
        return ((Bridged) channel).open();
    }

    /** The channel is open: count it, read from the socket, write what the server has sent so far. */
    void start() {
        counters.opened();
        lastProgress = System.nanoTime();
        ChannelDeadlines.watch(this);
        channel.addCloseFutureListener(f -> onChannelClosed());
        boolean write;
        synchronized (toClient) {
            started = true;
            write = !toClient.isEmpty() && !writing;
            writing |= write;
            if (write) {
                writePendingSince = System.nanoTime();
            }
        }
        if (write) {
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
        boolean counted;
        synchronized (toClient) {
            counted = started;
        }
        if (counted) {
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
            Buffer now;
            boolean readMore;
            synchronized (toServer) {
                if (writingToServer) {
                    toServer.add(packet);
                    queuedToServer += n;
                    now = null;
                } else {
                    writingToServer = true;
                    now = packet;
                }
                readMore = queuedToServer < MAX_QUEUED_TO_SERVER;
                readStalled = !readMore;
            }
            if (now != null) {
                writeToServer(now);
            }
            if (readMore) {
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
     * for the server's window); reads go on meanwhile, up to {@link #MAX_QUEUED_TO_SERVER}, so
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
            Buffer next;
            boolean resume;
            boolean eof;
            synchronized (toServer) {
                next = toServer.poll();
                if (next != null) {
                    queuedToServer -= next.available();
                }
                writingToServer = next != null;
                resume = readStalled && queuedToServer < MAX_QUEUED_TO_SERVER;
                readStalled &= !resume;
                eof = next == null && clientEof;
            }
            if (next != null) {
                writeToServer(next);
            }
            if (resume) {
                read();
            }
            if (eof) {
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
        boolean now;
        synchronized (toServer) {
            clientEof = true;
            now = !writingToServer;
        }
        if (now) {
            sendEof();
        }
    }

    /** Everything the client sent is written: SSH_MSG_CHANNEL_EOF; the reply still flows. */
    private void sendEof() {
        toServerStream.get().close(false).addListener(f -> {
            synchronized (toServer) {
                eofSent = true;
            }
            endIfDone();
        });
    }

    // ---- server → client ----

    /** On MINA's thread: data from the server. The local window is released once it reaches the socket. */
    void fromServer(byte[] data, int off, int len) {
        ByteBuffer copy = ByteBuffer.allocate(len);
        copy.put(data, off, len).flip();
        boolean write;
        synchronized (toClient) {
            toClient.add(copy);
            queuedToClient += len;
            write = started && !writing;
            writing |= write;
            if (write) {
                writePendingSince = System.nanoTime();
            }
        }
        if (write) {
            writeQueued();
        }
    }

    private void writeQueued() {
        ByteBuffer[] batch;
        synchronized (toClient) {
            batch = new ByteBuffer[Math.min(toClient.size(), MAX_GATHER)];
            Iterator<ByteBuffer> queued = toClient.iterator();
            for (int i = 0; i < batch.length; i++) {
                batch[i] = queued.next();
            }
        }
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
            boolean more;
            long behind;
            synchronized (toClient) {
                while (!toClient.isEmpty() && !toClient.peek().hasRemaining()) {
                    toClient.poll();
                }
                more = !toClient.isEmpty();
                queuedToClient -= written;
                behind = queuedToClient;
                writing = more;
                // Progress: the deadline of what is still queued starts again.
                writePendingSince = more ? now : 0;
            }
            try {
                channel.getLocalWindow().release(window.afterWrite(written, behind));
            } catch (IOException | RuntimeException e) {
                abort();
                return;
            }
            if (more) {
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
        boolean shut;
        boolean close;
        synchronized (toClient) {
            if (writing) {
                return;
            }
            shut = serverEof && !outputShut;
            outputShut |= shut;
            close = channelClosed;
        }
        if (close) {
            closeSocket();
            finish();
            return;
        }
        if (shut) {
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
        synchronized (toClient) {
            serverEof = true;
            if (!started) {
                return; // start() passes it on
            }
        }
        afterWrites();
    }

    /** The server closed the channel, or the session ended: deliver what is queued, then close the socket. */
    private void onChannelClosed() {
        boolean now;
        synchronized (toClient) {
            channelClosed = true;
            now = !writing || !channel.getSession().isOpen();
        }
        if (now) {
            closeSocket();
            finish();
        }
    }

    /** Both directions have ended: close the channel (gracefully) and the socket. */
    private void endIfDone() {
        boolean done;
        synchronized (toServer) {
            done = eofSent;
        }
        synchronized (toClient) {
            done &= outputShut;
        }
        if (done) {
            closeSocket();
            channel.close(false);
            finish();
        }
    }

    /** Why the channel should be closed at {@code now} (ChannelDeadlines), or null. */
    String expired(long now) {
        long writeNanos = ChannelDeadlines.writeNanos(counters.config());
        long idleNanos = ChannelDeadlines.idleNanos(counters.config());
        long pending = writePendingSince;
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
            ChannelDeadlines.forget(this);
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
