package dev.sshtunnel.forwarder.forward;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;

import org.apache.sshd.client.session.ClientSession;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.config.ForwardConfig;
import dev.sshtunnel.config.policy.TargetPolicy;

/**
 * ssh -D: a SOCKS proxy, and with HTTPConnect among its protocols an HTTP CONNECT proxy on the same port; each
 * CONNECT becomes a direct-tcpip channel to the address the client asked for.
 *
 * <p>With a target policy in force, the destination is resolved here and judged before the channel is asked for,
 * and the channel goes to the judged address, never to the name: the SSH server would resolve the name again, and
 * could get another answer. Without one (a hand run), names go to the server unresolved, as with ssh -D.
 */
final class DynamicForward extends ListeningForward {

    /** SOCKS5 REP 0x02, "connection not allowed by ruleset" (SOCKS4 knows only "rejected"). */
    static final int NOT_ALLOWED_BY_RULESET = 2;
    /** SOCKS5 REP 0x04, "host unreachable": the name does not resolve. */
    static final int HOST_UNREACHABLE = 4;

    private final TargetPolicy policy;

    DynamicForward(ForwardConfig config, String listenAddress, ForwardThreads threads, TargetPolicy policy) {
        super(config, listenAddress, threads);
        this.policy = policy;
    }

    /** The handshake and the channel open are both asynchronous: no thread waits for the client. */
    @Override
    protected void connect(ClientSession session, AsynchronousSocketChannel client) {
        SocksNegotiation.start(client, threads.timer(), config().protocols(), new SocksNegotiation.Outcome() {
            @Override
            public void connect(ConnectRequest request) {
                if (policy.isOpen()) {
                    open(session, client, request, request.host());
                    return;
                }
                TargetLookup.resolve(policy, request.host(), threads.resolver(), result -> {
                    if (result instanceof TargetLookup.Reachable reachable) {
                        open(session, client, request, reachable.address().getHostAddress());
                    } else if (result instanceof TargetLookup.NotAllowed notAllowed) {
                        refuseWithReply(client, request, NOT_ALLOWED_BY_RULESET, Reason.TargetNotAllowed, notAllowed.message());
                    } else {
                        refuseWithReply(client, request, HOST_UNREACHABLE, Reason.Unreachable,
                                ((TargetLookup.NotFound) result).message() + " (a target policy is in force, so SOCKS"
                                        + " destinations are resolved and checked by the forwarder, not by the SSH server)");
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

    private void open(ClientSession session, AsynchronousSocketChannel client, ConnectRequest request, String host) {
        bridge(session, client, host, request.port(), new OpenReply() {
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

    /** The SOCKS reply {@code code} goes to the client, then it is closed and the failure counted and logged. */
    private void refuseWithReply(AsynchronousSocketChannel client, ConnectRequest request, int code, Reason reason, String message) {
        Runnable close = () -> refuse(client, reason, message);
        writeFully(client, ByteBuffer.wrap(request.replyBytes(code)), close, close);
    }
}
