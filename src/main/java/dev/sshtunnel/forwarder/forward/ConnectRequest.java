package dev.sshtunnel.forwarder.forward;

/**
 * A client's request for a connection to host:port on a Dynamic forward, in either protocol it speaks: what it
 * asked for, and how the outcome is told to it. Outcomes are given as SOCKS5 reply codes (RFC 1928 §6), which
 * {@link ChannelOpenFailure} and {@link DynamicForward} already use; HTTP says the same with a status.
 */
interface ConnectRequest {

    String host();

    int port();

    /** The bytes telling the client {@code socksCode}: 0 is success, the connection is its from the next byte on. */
    byte[] replyBytes(int socksCode);
}
