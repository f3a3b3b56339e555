package dev.sshtunnel.api.v1alpha1;

import java.util.Optional;

/**
 * The one reason taxonomy of the project: condition reasons, event reasons, lastError prefixes, the
 * reason field of session and forward status, and metric labels all use these names.
 */
public enum Reason {
    Connected,
    /** A bastion's Ready reason: its spec is valid and every Secret it names is present. */
    Accepted,
    Connecting,
    Suspended,
    InvalidSpec,
    SecretNotFound,
    ForwarderUnavailable,
    Unreachable,
    AuthenticationFailed,
    HostKeyMismatch,
    HostKeyUnknown,
    ForwardRejected,
    RemotePortInUse,
    /** spec.forwarder.image is not on the operator's allow-list (sshtunnel.forwarder.allowed-images). */
    ImageNotAllowed,
    /** The API server refused a ConfigMap, Deployment, Service or NetworkPolicy write (quota, admission, RBAC). */
    ApplyFailed,
    /**
     * AcceptNew with no key pinned yet, and the forwarder pods of the tunnel's current ReplicaSet saw
     * different host keys: none is pinned, as one of them may be a man in the middle.
     */
    HostKeyDisagreement,
    /** The tunnel's spec asks for what the operator's guard rails (sshtunnel.guard-rails.*) do not allow. */
    PolicyDenied,
    /** A forward's target is outside the bastion's local.targets, or on the guard rails' deny list. */
    TargetNotAllowed,
    /** spec.bastionRef names a bastion that does not exist. */
    BastionNotFound,
    /** spec.bastionRef names a ClusterSshBastion whose allowedNamespaces does not include the tunnel's namespace. */
    BastionNotAllowed,
    /** A Remote forward asks a bastion for a bindAddress:port its remote grant does not list. */
    BindNotAllowed,
    /** A Remote forward's bindAddress:port on a bastion is already allocated to another tunnel. */
    PortConflict,
    /**
     * A ClusterSshBastion's credentialsNamespace is not among the namespaces the operator watches (watchNamespaces):
     * its RBAC can neither read the Secrets there nor run the tunnels' pods there.
     */
    CredentialsNamespaceNotWatched,
    /** A LoadBalancer Service of class sshtunnel.dev/ssh has a UDP or SCTP port: SSH forwards carry TCP only. */
    ProtocolNotSupported,
    /** A forward's probe is Failing: the tunnel is up, the path to that forward's target is not (ForwardsReachable). */
    TargetUnreachable;

    /** The reason a condition names, if this operator knows it (a newer one may have written another). */
    public static Optional<Reason> named(String name) {
        for (Reason reason : values()) {
            if (reason.name().equals(name)) {
                return Optional.of(reason);
            }
        }
        return Optional.empty();
    }

    /** The lastError text of a failure with this reason: the reason, then the free-text message. */
    public String lastError(String message) {
        return name() + ": " + message;
    }

    /**
     * A fault that does not go away by waiting: the spec, a Secret, the server's configuration or the
     * cluster must change. Waiting helps for the others (Connecting, Unreachable, ForwarderUnavailable,
     * RemotePortInUse, which a stale session of our own often holds for a while).
     */
    public boolean needsAction() {
        return switch (this) {
            case InvalidSpec, SecretNotFound, AuthenticationFailed, HostKeyMismatch, HostKeyUnknown, ForwardRejected,
                    ImageNotAllowed, ApplyFailed, HostKeyDisagreement, PolicyDenied, TargetNotAllowed, BastionNotFound,
                    BastionNotAllowed, BindNotAllowed, PortConflict, CredentialsNamespaceNotWatched,
                    ProtocolNotSupported -> true;
            default -> false;
        };
    }
}
