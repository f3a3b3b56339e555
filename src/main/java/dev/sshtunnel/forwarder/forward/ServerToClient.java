package dev.sshtunnel.forwarder.forward;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The server → client direction of a {@link ChannelPump}: data from the server that waits for the
 * socket, one gathering write at a time, and the server's EOF and close, passed on once everything
 * before them is written. Held until the pump starts. Its own monitor guards it; each method is one
 * step of the direction and says what the pump does next.
 */
final class ServerToClient {

    /** At most this many queued buffers go into one gathering socket write. */
    private static final int MAX_GATHER = 16;

    /** What the pump does once nothing is left to write. */
    enum Idle {
        /** A write is under way after all: its completion decides. */
        WRITING,
        /** The channel is closed: close the socket. */
        CLOSE,
        /** The server sent EOF: shut the socket's output. */
        SHUT_OUTPUT,
        NOTHING
    }

    /** After a socket write: write again if {@code more}; {@code behind} bytes from the server are not yet in the socket. */
    record AfterWrite(boolean more, long behind) {
    }

    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private boolean started;
    private boolean writing;
    /** Bytes from the server not yet in the socket. */
    private long queued;
    private boolean serverEof;
    private boolean outputShut;
    private boolean channelClosed;
    /** Since when a write to the socket waits (ChannelDeadlines); 0 while none does. */
    private volatile long writePendingSince;

    /** The channel is open: true if what the server sent so far is to be written now. */
    synchronized boolean start() {
        started = true;
        return claimWrite();
    }

    /** Data from the server: true if it is to be written now (else a write under way, or the start, takes it). */
    synchronized boolean add(ByteBuffer data) {
        queue.add(data);
        queued += data.remaining();
        return claimWrite();
    }

    /** One writer at a time, and none before the start; its deadline runs from now. */
    private boolean claimWrite() {
        boolean write = started && !queue.isEmpty() && !writing;
        writing |= write;
        if (write) {
            writePendingSince = System.nanoTime();
        }
        return write;
    }

    synchronized ByteBuffer[] batch() {
        ByteBuffer[] batch = new ByteBuffer[Math.min(queue.size(), MAX_GATHER)];
        Iterator<ByteBuffer> queued = queue.iterator();
        for (int i = 0; i < batch.length; i++) {
            batch[i] = queued.next();
        }
        return batch;
    }

    synchronized AfterWrite written(long written, long now) {
        while (!queue.isEmpty() && !queue.peek().hasRemaining()) {
            queue.poll();
        }
        boolean more = !queue.isEmpty();
        queued -= written;
        writing = more;
        // Progress: the deadline of what is still queued starts again.
        writePendingSince = more ? now : 0;
        return new AfterWrite(more, queued);
    }

    /** Nothing left to write: what to pass on. */
    synchronized Idle idle() {
        if (writing) {
            return Idle.WRITING;
        }
        boolean shut = serverEof && !outputShut;
        outputShut |= shut;
        return channelClosed ? Idle.CLOSE : shut ? Idle.SHUT_OUTPUT : Idle.NOTHING;
    }

    /** The server sent EOF: true if the pump has started (else its start passes it on). */
    synchronized boolean serverEof() {
        serverEof = true;
        return started;
    }

    /** The channel closed: true if no write is under way, so the socket can close now. */
    synchronized boolean channelClosed() {
        channelClosed = true;
        return !writing;
    }

    synchronized boolean started() {
        return started;
    }

    /** The socket's output is shut: this direction has ended. */
    synchronized boolean ended() {
        return outputShut;
    }

    long writePendingSince() {
        return writePendingSince;
    }
}
