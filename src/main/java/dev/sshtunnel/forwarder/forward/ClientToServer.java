package dev.sshtunnel.forwarder.forward;

import java.util.ArrayDeque;

import org.apache.sshd.common.util.buffer.Buffer;

/**
 * The client → server direction of a {@link ChannelPump}: packets read from the socket that wait
 * for MINA's async stream, which takes one write at a time, and the client's EOF. Its own monitor
 * guards it; each method is one step of the direction and says what the pump does next.
 */
final class ClientToServer {

    /** Bytes read from the client but not yet handed to MINA, before reading pauses. */
    static final int MAX_QUEUED = 4 * ChannelPump.MAX_READ;

    private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
    private int queued;
    private boolean writing;
    private boolean readStalled;
    private boolean clientEof;
    private boolean eofSent;

    /** After a read: write {@code writeNow} (null while a write is under way: it was queued), read again if {@code readMore}. */
    record AfterRead(Buffer writeNow, boolean readMore) {
    }

    /** After a packet is written: write {@code next} (or null), read again if {@code resume}, send EOF if {@code eof}. */
    record AfterWrite(Buffer next, boolean resume, boolean eof) {
    }

    synchronized AfterRead read(Buffer packet, int n) {
        Buffer now;
        if (writing) {
            queue.add(packet);
            queued += n;
            now = null;
        } else {
            writing = true;
            now = packet;
        }
        boolean readMore = queued < MAX_QUEUED;
        readStalled = !readMore;
        return new AfterRead(now, readMore);
    }

    synchronized AfterWrite written() {
        Buffer next = queue.poll();
        if (next != null) {
            queued -= next.available();
        }
        writing = next != null;
        boolean resume = readStalled && queued < MAX_QUEUED;
        readStalled &= !resume;
        return new AfterWrite(next, resume, next == null && clientEof);
    }

    /** The client sent EOF; true if nothing is being written, so the EOF can go now (else it follows the last write). */
    synchronized boolean clientEof() {
        clientEof = true;
        return !writing;
    }

    synchronized void eofSent() {
        eofSent = true;
    }

    /** SSH_MSG_CHANNEL_EOF went out: this direction has ended. */
    synchronized boolean ended() {
        return eofSent;
    }
}
