package dev.sshtunnel.forwarder.forward;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.util.net.SshdSocketAddress;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.config.ForwardConfig;
import dev.sshtunnel.config.ProbeConfig;
import dev.sshtunnel.config.policy.TargetPolicy;
import dev.sshtunnel.untrusted.UntrustedText;

/**
 * One probe of a forward's path, answered once and never blocking a thread: Local opens a direct-tcpip channel to
 * its target through its session and closes it at once, Dynamic the same to probe.connect (judged by the target
 * policy first, as a SOCKS destination is), Remote connects from the pod to its target through the target policy
 * (a denied target is refused without a connection). None of it goes through the forward's counters: a probe is
 * no user channel, takes no place under maxConnections and is not in totalChannels or failedChannels.
 */
public final class PathProbe implements AutoCloseable {

    /** How a probe ended; latency from the probe's start to its answer. */
    public sealed interface Outcome permits Reached, Failed, NotSent {
    }

    /** The channel opened (Local, Dynamic) or the connection was made (Remote). */
    public record Reached(Duration latency) implements Outcome {
    }

    /** Refused, unreachable or no answer within the timeout; {@code message} says which, server text sanitised. */
    public record Failed(Duration latency, String message) implements Outcome {
    }

    /** No session attached: nothing was sent (the session's own state says why). */
    public record NotSent(String message) implements Outcome {
    }

    /** The originator a probe channel names (RFC 4254 §7.2): no client of the forwarder, the forwarder itself. */
    private static final SshdSocketAddress ORIGINATOR = new SshdSocketAddress("127.0.0.1", 0);

    private final ForwardThreads threads;
    private final TargetPolicy policy;
    /**
     * The probes' own name lookups, apart from {@link ForwardThreads#resolver()}: a thousand probes of targets behind a
     * slow resolver must not queue ahead of a user's channel. Two threads; the rest wait, and a probe still waiting at
     * its timeout has failed.
     */
    private final ThreadPoolExecutor resolver;

    public PathProbe(ForwardThreads threads, TargetPolicy policy) {
        this.threads = threads;
        this.policy = policy;
        AtomicInteger count = new AtomicInteger();
        this.resolver = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "probe-resolve-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        resolver.allowCoreThreadTimeOut(true);
    }

    @Override
    public void close() {
        resolver.shutdownNow();
    }

    /** Probes {@code forward} as {@code probe} says; the future completes within about probe.timeout. */
    public CompletableFuture<Outcome> run(Forward forward, ProbeConfig probe) {
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        ClientSession session = forward.probeSession();
        if (session == null) {
            result.complete(new NotSent("probe not sent: no SSH session attached to the forward"));
            return result;
        }
        long start = System.nanoTime();
        Answer answer = new Answer(result, start);
        ForwardConfig config = forward.config();
        Duration timeout = probe.timeout();
        switch (config.type()) {
            case Local -> openChannel(session, config.targetHost(), config.targetPort(), timeout, answer);
            case Dynamic -> dynamic(session, probe.connectHost(), probe.connectPort(), timeout, answer);
            case Remote -> connect(config.targetHost(), config.targetPort(), timeout, answer);
            default -> throw new IllegalStateException("unknown forward type " + config.type());
        }
        return result;
    }

    /** Completes the probe's future once, with the latency since its start. */
    private static final class Answer {
        private final CompletableFuture<Outcome> result;
        private final long start;

        Answer(CompletableFuture<Outcome> result, long start) {
            this.result = result;
            this.start = start;
        }

        Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - start);
        }

        boolean reached() {
            return result.complete(new Reached(elapsed()));
        }

        boolean failed(String message) {
            return result.complete(new Failed(elapsed(), message));
        }

        boolean answered() {
            return result.isDone();
        }
    }

    /** With a target policy, the destination is resolved and judged here and the channel goes to the judged address. */
    private void dynamic(ClientSession session, String host, int port, Duration timeout, Answer answer) {
        if (policy.isOpen()) {
            openChannel(session, host, port, timeout, answer);
            return;
        }
        timeout(answer, timeout, () -> "no answer within " + timeout.toSeconds() + " s (resolving "
                + UntrustedText.clean(host, UntrustedText.FIELD) + ")", () -> {
                });
        judged(host, address -> openChannel(session, address.getHostAddress(), port, timeout, answer), answer);
    }

    private void openChannel(ClientSession session, String host, int port, Duration timeout, Answer answer) {
        ChannelDirectTcpip channel;
        try {
            channel = session.createDirectTcpipChannel(ORIGINATOR, new SshdSocketAddress(host, port));
        } catch (IOException | RuntimeException e) {
            answer.failed(ChannelOpenFailure.classify(e, host, port).getMessage());
            return;
        }
        timeout(answer, timeout, () -> ChannelOpenFailure.timedOut(host, port, timeout).getMessage(),
                () -> channel.close(false));
        try {
            channel.open().addListener(opened -> {
                // Closed at once either way: a probe holds nothing open on the server.
                channel.close(false);
                if (opened.isOpened()) {
                    answer.reached();
                } else {
                    answer.failed(ChannelOpenFailure.classify(opened.getException(), host, port).getMessage());
                }
            });
        } catch (IOException | RuntimeException e) {
            channel.close(false);
            answer.failed(ChannelOpenFailure.classify(e, host, port).getMessage());
        }
    }

    /** A TCP connect from the pod to host:port once the policy allows every address it resolves to, closed at once. */
    private void connect(String host, int port, Duration timeout, Answer answer) {
        AtomicBoolean timedOut = new AtomicBoolean();
        AsynchronousSocketChannel[] socket = new AsynchronousSocketChannel[1];
        timeout(answer, timeout, () -> Reason.Unreachable.lastError("cannot connect to "
                + UntrustedText.clean(host, UntrustedText.FIELD) + ":" + port + ": no answer within " + timeout.toSeconds() + " s"),
                () -> {
                    timedOut.set(true);
                    synchronized (socket) {
                        closeQuietly(socket[0]);
                    }
                });
        judged(host, address -> {
            AsynchronousSocketChannel opened;
            try {
                opened = AsynchronousSocketChannel.open(threads.group());
            } catch (IOException | RuntimeException e) {
                answer.failed(Reason.Unreachable.lastError("cannot open a socket: " + e.getMessage()));
                return;
            }
            synchronized (socket) {
                socket[0] = opened;
                if (timedOut.get()) {
                    closeQuietly(opened);
                    return;
                }
            }
            try {
                opened.connect(new InetSocketAddress(address, port), null, new CompletionHandler<Void, Void>() {
                    @Override
                    public void completed(Void ignored, Void attachment) {
                        closeQuietly(opened);
                        answer.reached();
                    }

                    @Override
                    public void failed(Throwable e, Void attachment) {
                        closeQuietly(opened);
                        answer.failed(Reason.Unreachable.lastError("cannot connect to " + UntrustedText.clean(host, UntrustedText.FIELD)
                                + ":" + port + " from the forwarder: "
                                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
                    }
                });
            } catch (RuntimeException e) {
                closeQuietly(opened);
                answer.failed(Reason.Unreachable.lastError("cannot connect to " + UntrustedText.clean(host, UntrustedText.FIELD)
                        + ":" + port + ": " + e.getMessage()));
            }
        }, answer);
    }

    /** Resolves and judges {@code host} off the I/O threads; a denied or unknown name fails the probe, no connection made. */
    private void judged(String host, Consumer<InetAddress> then, Answer answer) {
        TargetLookup.resolve(policy, host, resolver, result -> {
            if (answer.answered()) {
                return; // timed out while resolving
            }
            if (result instanceof TargetLookup.Reachable reachable) {
                then.accept(reachable.address());
            } else if (result instanceof TargetLookup.NotAllowed notAllowed) {
                answer.failed(Reason.TargetNotAllowed.lastError(notAllowed.message()));
            } else {
                answer.failed(Reason.Unreachable.lastError(((TargetLookup.NotFound) result).message()));
            }
        });
    }

    /** Fails the probe with {@code message} and runs {@code cancel} unless it was answered within {@code timeout}. */
    private void timeout(Answer answer, Duration timeout, Supplier<String> message, Runnable cancel) {
        ScheduledFuture<?> deadline = threads.timer().schedule(() -> {
            if (answer.failed(message.get())) {
                cancel.run();
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        answer.result.whenComplete((outcome, e) -> deadline.cancel(false));
    }

    private static void closeQuietly(AsynchronousSocketChannel socket) {
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
