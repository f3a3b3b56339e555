package dev.sshtunnel.api.v1alpha1;

/** How the SSH server's host key is checked. */
public enum HostKeyPolicy {
    /** Only keys listed in knownHosts or fingerprints are accepted (ssh StrictHostKeyChecking=yes). */
    Strict,
    /** The first key seen is accepted and reported in status; a later different key is a mismatch. */
    AcceptNew,
    /** Any key is accepted. Open to man-in-the-middle attacks; reported as a warning condition. */
    Insecure
}
