package dev.sshtunnel.api.v1alpha1;

/**
 * The one reason taxonomy of the project: condition reasons, event reasons, lastError prefixes and
 * metric labels all use these names.
 */
public enum Reason {
    Connected,
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
    RemotePortInUse
}
