package dev.sshtunnel.forwarder.session;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * OpenSSH's ServerAliveInterval/ServerAliveCountMax: every interval a keepalive@openssh.com global
 * request with want-reply; any answer (servers answer unknown requests with a failure) proves the
 * server is alive. After maxMissed unanswered probes the session is declared dead, so a dead
 * server or a black-holed link is noticed within interval × (maxMissed + 1).
 */
final class KeepAlive implements AutoCloseable {

    static final String REQUEST = "keepalive@openssh.com";

    private final ScheduledFuture<?> task;
    private final AtomicInteger unanswered = new AtomicInteger();

    KeepAlive(ClientSession session, Duration interval, int maxMissed, ScheduledExecutorService scheduler,
            Consumer<String> onDead) {
        this.task = scheduler.scheduleAtFixedRate(() -> probe(session, maxMissed, interval, onDead),
                interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probe(ClientSession session, int maxMissed, Duration interval, Consumer<String> onDead) {
        if (!session.isOpen()) {
            return;
        }
        if (unanswered.get() >= maxMissed) {
            task.cancel(false);
            onDead.accept("no answer to " + maxMissed + " keepalive probes sent every " + interval.toSeconds() + "s");
            return;
        }
        unanswered.incrementAndGet();
        try {
            Buffer request = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST);
            request.putString(REQUEST);
            request.putBoolean(true);
            session.request(request, REQUEST, (command, reply) -> unanswered.set(0));
        } catch (Exception e) {
            // A write that fails means the transport is gone; the session's own close handling reports it.
        }
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
