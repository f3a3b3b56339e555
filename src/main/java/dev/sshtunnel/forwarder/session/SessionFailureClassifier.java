package dev.sshtunnel.forwarder.session;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.Optional;

import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.untrusted.UntrustedText;

/**
 * Says what a failed connect means for the session's status: the reason in the taxonomy, whether
 * the session is Failed (a user error that backing off alone will not fix) or still Connecting, and
 * the message to show. A pure function of the failure, so every rule is testable without a server.
 */
final class SessionFailureClassifier {

    /**
     * How a failed connect is reported. The message often carries the server's words (a disconnect
     * description, a refusal, an exception's text): it is made one bounded line here.
     */
    record Failure(Reason reason, SessionState state, String message) {
        Failure {
            message = UntrustedText.clean(message, UntrustedText.MESSAGE);
        }
    }

    private SessionFailureClassifier() {
    }

    /**
     * {@code hostKeyRejection}: the first hop whose key was refused in this attempt, if any; MINA's own
     * exception only says the key did not validate, so the rejection explains the failure instead.
     * {@code target}: the final hop as user@host, named in messages about reaching it.
     */
    static Failure classify(Exception e, Optional<HostKeyCheck.Rejection> hostKeyRejection, String target) {
        if (hostKeyRejection.isPresent()) {
            return new Failure(hostKeyRejection.get().reason(), SessionState.Failed, hostKeyRejection.get().message());
        }
        if (e instanceof HopChainConnector.JumpRefusedException refused) {
            return new Failure(Reason.ForwardRejected, SessionState.Failed, refused.getMessage());
        }
        if (e instanceof Credentials.CredentialException unusable) {
            return new Failure(Reason.AuthenticationFailed, SessionState.Failed, unusable.getMessage()
                    + "; fix the Secret (the forwarder reads it again before every attempt)");
        }
        if (e instanceof HopChainConnector.AuthenticationException auth) {
            return new Failure(Reason.AuthenticationFailed, SessionState.Failed, auth.getMessage());
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProxyFailure proxy) {
                // Its message names the proxy and the hop; MINA's wrapping of it says nothing more.
                return new Failure(proxy.kind.reason, proxy.kind.state, proxy.getMessage());
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String detail = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        if (root instanceof UnknownHostException) {
            return new Failure(Reason.Unreachable, SessionState.Connecting, "unknown host " + detail);
        }
        if (root instanceof ConnectException || root instanceof NoRouteToHostException) {
            return new Failure(Reason.Unreachable, SessionState.Connecting, "cannot connect to " + target + ": " + detail);
        }
        return new Failure(Reason.Unreachable, SessionState.Connecting, "connecting to " + target + ": " + detail);
    }
}
