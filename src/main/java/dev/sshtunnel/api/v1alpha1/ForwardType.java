package dev.sshtunnel.api.v1alpha1;

public enum ForwardType {
    /** ssh -L: a port of the Service, connected through the SSH server to target. */
    Local,
    /** ssh -R: a port on the SSH server, connected back through the forwarder to target. */
    Remote,
    /** ssh -D: a SOCKS4/4a/5 proxy on a port of the Service; the SSH server connects to what the client asks for. */
    Dynamic;

    /** Local and Dynamic forwards listen in the forwarder pod (and get a Service port); Remote ones listen on the server. */
    public boolean listensInPod() {
        return this != Remote;
    }
}
