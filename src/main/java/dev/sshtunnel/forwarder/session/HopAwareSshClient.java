package dev.sshtunnel.forwarder.session;

import java.io.IOException;
import java.net.SocketAddress;
import java.security.GeneralSecurityException;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.AbstractClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.session.helpers.AbstractSession;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * An SshClient whose sessions to a hop behind a jump host know the hop's real address. They are
 * connected through a loopback forward, and MINA checks the principals of a host certificate
 * against the address it connected to: 127.0.0.1, which a certificate for db-bastion.internal
 * does not name (OpenSSH checks the name the user gave). The address set here is the one the key
 * exchange reads; it is set as the connection completes, as MINA sets its own, before the
 * server's key exchange reply can arrive.
 */
final class HopAwareSshClient extends SshClient {

    /** The host and port the user configured for a hop reached through a jump host. */
    static final AttributeKey<SshdSocketAddress> HOP_ADDRESS = new AttributeKey<>();

    @Override
    protected void onConnectOperationComplete(IoSession ioSession, ConnectFuture connectFuture, String username,
            SocketAddress address, KeyIdentityProvider identities, HostConfigEntry hostConfig)
            throws IOException, GeneralSecurityException {
        super.onConnectOperationComplete(ioSession, connectFuture, username, address, identities, hostConfig);
        AbstractClientSession session = (AbstractClientSession) AbstractSession.getSession(ioSession);
        AttributeRepository context = session.getConnectionContext();
        SshdSocketAddress hop = context == null ? null : context.getAttribute(HOP_ADDRESS);
        if (hop != null) {
            session.setConnectAddress(hop);
        }
    }
}
