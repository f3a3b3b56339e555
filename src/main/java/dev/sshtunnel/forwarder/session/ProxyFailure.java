package dev.sshtunnel.forwarder.session;

import java.io.IOException;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.untrusted.UntrustedText;

/**
 * The outbound proxy did not give the session its connection. The message names the proxy and what it was asked
 * for; whatever the proxy said is in it cleaned and bounded (a hostile proxy is one more network peer).
 */
final class ProxyFailure extends IOException {

    /** How the failure is reported: {@link SessionFailureClassifier} maps it to a reason and a state. */
    enum Kind {
        /** The proxy cannot be reached, stalls, or could not reach the hop: retried as Connecting. */
        UNREACHABLE(Reason.Unreachable, SessionState.Connecting),
        /** The proxy's rules refuse the destination, or it does not speak the configured protocol: the user must act. */
        REFUSED(Reason.Unreachable, SessionState.Failed),
        /** The proxy wants other (or any) credentials. */
        AUTHENTICATION(Reason.AuthenticationFailed, SessionState.Failed);

        final Reason reason;
        final SessionState state;

        Kind(Reason reason, SessionState state) {
            this.reason = reason;
            this.state = state;
        }
    }

    final Kind kind;

    ProxyFailure(Kind kind, String message) {
        super(UntrustedText.clean(message, UntrustedText.MESSAGE));
        this.kind = kind;
    }
}
