package dev.sshtunnel.forwarder.forward;

import java.io.IOException;
import java.time.Duration;

import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.untrusted.UntrustedText;

/**
 * A direct-tcpip channel that was refused or did not open: where it goes in the reason taxonomy
 * ({@link #reason}) and what a SOCKS5 client is told ({@link #socksReply}, the REP code).
 */
final class ChannelOpenFailure extends IOException {

    final Reason reason;
    /** What failed, without the reason. */
    final String detail;
    final int socksReply;

    private ChannelOpenFailure(Reason reason, int socksReply, String detail) {
        super(reason.lastError(detail));
        this.reason = reason;
        this.detail = detail;
        this.socksReply = socksReply;
    }

    static ChannelOpenFailure timedOut(String host, int port, Duration after) {
        return new ChannelOpenFailure(Reason.Unreachable, 1, "channel to " + host + ":" + port + " not opened within "
                + after.toSeconds() + " s");
    }

    /** The failure {@code e} of an open to host:port, by the RFC 4254 reason code when the server sent one. */
    static ChannelOpenFailure classify(Throwable e, String host, int port) {
        Throwable cause = e;
        while (cause != null && !(cause instanceof SshChannelOpenException)) {
            cause = cause.getCause();
        }
        String target = host + ":" + port;
        if (cause instanceof SshChannelOpenException open) {
            // The server's description is its own text: one line, bounded, before it reaches a log line or status.
            String serverSays = open.getMessage() == null ? "" : " (" + UntrustedText.clean(open.getMessage(), UntrustedText.MESSAGE) + ")";
            return switch (open.getReasonCode()) {
                case SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED -> new ChannelOpenFailure(Reason.ForwardRejected, 2,
                        "server refused a channel to " + target + ": administratively prohibited" + serverSays);
                case SshConstants.SSH_OPEN_CONNECT_FAILED -> new ChannelOpenFailure(Reason.Unreachable, 5,
                        "server could not connect to " + target + serverSays);
                case SshConstants.SSH_OPEN_UNKNOWN_CHANNEL_TYPE -> new ChannelOpenFailure(Reason.ForwardRejected, 1,
                        "server does not support direct-tcpip channels" + serverSays);
                default -> new ChannelOpenFailure(Reason.ForwardRejected, 1,
                        "server refused a channel to " + target + ": resource shortage" + serverSays);
            };
        }
        return new ChannelOpenFailure(Reason.Unreachable, 1, "channel to " + target + " failed: "
                + (e.getMessage() == null ? e.getClass().getSimpleName() : UntrustedText.clean(e.getMessage(), UntrustedText.MESSAGE)));
    }
}
