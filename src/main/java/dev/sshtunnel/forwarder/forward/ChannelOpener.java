package dev.sshtunnel.forwarder.forward;

import java.io.IOException;
import java.time.Duration;

import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;

import dev.sshtunnel.api.v1alpha1.Reason;

/** What a failed direct-tcpip open means: its place in the reason taxonomy and its SOCKS5 reply code. */
final class ChannelOpener {

    static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);

    private ChannelOpener() {
    }

    /** The channel open refused or failed; reason is where it goes in the taxonomy, socksReply the SOCKS5 REP code. */
    static final class OpenFailure extends IOException {
        final Reason reason;
        /** What failed, without the reason. */
        final String detail;
        final int socksReply;

        OpenFailure(Reason reason, int socksReply, String detail) {
            super(reason.lastError(detail));
            this.reason = reason;
            this.detail = detail;
            this.socksReply = socksReply;
        }
    }

    static OpenFailure timedOut(String host, int port) {
        return new OpenFailure(Reason.Unreachable, 1, "channel to " + host + ":" + port + " not opened within "
                + OPEN_TIMEOUT.toSeconds() + " s");
    }

    static OpenFailure describe(Throwable e, String host, int port) {
        Throwable cause = e;
        while (cause != null && !(cause instanceof SshChannelOpenException)) {
            cause = cause.getCause();
        }
        String target = host + ":" + port;
        if (cause instanceof SshChannelOpenException open) {
            String serverSays = open.getMessage() == null ? "" : " (" + open.getMessage() + ")";
            return switch (open.getReasonCode()) {
                case SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED -> new OpenFailure(Reason.ForwardRejected, 2,
                        "server refused a channel to " + target + ": administratively prohibited" + serverSays);
                case SshConstants.SSH_OPEN_CONNECT_FAILED -> new OpenFailure(Reason.Unreachable, 5,
                        "server could not connect to " + target + serverSays);
                case SshConstants.SSH_OPEN_UNKNOWN_CHANNEL_TYPE -> new OpenFailure(Reason.ForwardRejected, 1,
                        "server does not support direct-tcpip channels" + serverSays);
                default -> new OpenFailure(Reason.ForwardRejected, 1,
                        "server refused a channel to " + target + ": resource shortage" + serverSays);
            };
        }
        return new OpenFailure(Reason.Unreachable, 1, "channel to " + target + " failed: "
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }
}
