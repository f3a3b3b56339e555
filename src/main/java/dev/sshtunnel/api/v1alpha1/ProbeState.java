package dev.sshtunnel.api.v1alpha1;

/** A forward's probe: not judged yet, or past its success or failure threshold. */
public enum ProbeState {
    Unknown,
    Passing,
    Failing
}
