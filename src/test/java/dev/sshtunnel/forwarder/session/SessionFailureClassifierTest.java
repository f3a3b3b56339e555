package dev.sshtunnel.forwarder.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.api.v1alpha1.SessionState;
import dev.sshtunnel.config.EndpointConfig;
import dev.sshtunnel.config.HostKeyConfig;
import dev.sshtunnel.forwarder.session.SessionFailureClassifier.Failure;

/** The connect-failure rules, without a server: user errors are Failed, network trouble keeps Connecting. */
class SessionFailureClassifierTest {

    private static final String TARGET = "tunnel@bastion.example";

    private static Failure classify(Exception e) {
        return SessionFailureClassifier.classify(e, Optional.empty(), TARGET);
    }

    @Test
    void aRefusedHostKeyExplainsTheFailureWhateverMinaThrew() {
        Failure failure = SessionFailureClassifier.classify(new IOException("Server key did not validate"),
                Optional.of(new HostKeyCheck.Rejection(Reason.HostKeyMismatch, "key changed")), TARGET);

        assertThat(failure).isEqualTo(new Failure(Reason.HostKeyMismatch, SessionState.Failed, "key changed"));
    }

    @Test
    void aJumpHostRefusingTheChannelIsARejectedForward() {
        assertThat(classify(new HopChainConnector.JumpRefusedException("jump host refused")))
                .isEqualTo(new Failure(Reason.ForwardRejected, SessionState.Failed, "jump host refused"));
    }

    @Test
    void aProxyFailureWrappedByMinaSaysWhatTheProxyDid() {
        // MINA wraps the connector's failure (an ExecutionException, then its own IOException).
        ProxyFailure refused = new ProxyFailure(ProxyFailure.Kind.REFUSED, "proxy p:3128 refused CONNECT to bastion:22: 403 Forbidden");
        assertThat(classify(new IOException("connect failed", new java.util.concurrent.ExecutionException(refused))))
                .isEqualTo(new Failure(Reason.Unreachable, SessionState.Failed, refused.getMessage()));
        assertThat(classify(new IOException(new ProxyFailure(ProxyFailure.Kind.AUTHENTICATION, "proxy p:3128 refused the credentials"))))
                .isEqualTo(new Failure(Reason.AuthenticationFailed, SessionState.Failed, "proxy p:3128 refused the credentials"));
        assertThat(classify(new ProxyFailure(ProxyFailure.Kind.UNREACHABLE, "cannot connect to proxy p:3128: Connection refused")).state())
                .isEqualTo(SessionState.Connecting);
    }

    @Test
    void unusableCredentialsPointAtTheSecret() {
        Failure failure = classify(new Credentials.CredentialException("private key in s/k cannot be loaded"));

        assertThat(failure.reason()).isEqualTo(Reason.AuthenticationFailed);
        assertThat(failure.state()).isEqualTo(SessionState.Failed);
        assertThat(failure.message()).isEqualTo("private key in s/k cannot be loaded"
                + "; fix the Secret (the forwarder reads it again before every attempt)");
    }

    @Test
    void aRefusedLoginNamesTheHop() {
        EndpointConfig hop = new EndpointConfig("bastion.example", 2222, "tunnel", null, null, null, null,
                new HostKeyConfig(HostKeyPolicy.Insecure, null, null));

        Failure failure = classify(new HopChainConnector.AuthenticationException(hop, new IOException("No more authentication methods available")));

        assertThat(failure).isEqualTo(new Failure(Reason.AuthenticationFailed, SessionState.Failed,
                "authentication as tunnel to [bastion.example]:2222 failed: No more authentication methods available"));
    }

    @Test
    void networkTroubleKeepsConnectingAndNamesTheRootCause() {
        assertThat(classify(new IOException("connect", new UnknownHostException("bastion.example"))))
                .isEqualTo(new Failure(Reason.Unreachable, SessionState.Connecting, "unknown host bastion.example"));
        assertThat(classify(new IOException("wrapped", new ConnectException("Connection refused"))))
                .isEqualTo(new Failure(Reason.Unreachable, SessionState.Connecting,
                        "cannot connect to " + TARGET + ": Connection refused"));
        assertThat(classify(new IOException(new IllegalStateException())))
                .isEqualTo(new Failure(Reason.Unreachable, SessionState.Connecting,
                        "connecting to " + TARGET + ": IllegalStateException"));
    }
}
