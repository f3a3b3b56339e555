package dev.sshtunnel.forwarder.session;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.common.AttributeRepository;

/**
 * MINA's client, plus a connect that never resolves the host in this process: MINA's own connects make an
 * {@code InetSocketAddress} of it first, a DNS lookup in the pod that a hop behind an outbound proxy must not need
 * (the proxy resolves it, and the pod may not be able to). Made by {@link SshClientFactory}.
 */
public final class TunnelSshClient extends SshClient {

    /** As {@code connect(user, host, port, context, null)}, with the address left unresolved for the connector. */
    ConnectFuture connectByName(String user, String host, int port, AttributeRepository context) throws IOException {
        HostConfigEntry entry = resolveHost(user, host, port, context, null);
        return doConnect(entry.getUsername(), InetSocketAddress.createUnresolved(entry.getHostName(), entry.getPort()), context,
                null, preloadClientIdentities(List.of()), entry);
    }
}
