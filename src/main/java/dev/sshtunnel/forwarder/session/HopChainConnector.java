package dev.sshtunnel.forwarder.session;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.jboss.logging.Logger;

import dev.sshtunnel.config.EndpointConfig;
import dev.sshtunnel.config.TunnelConfig;
import dev.sshtunnel.untrusted.UntrustedText;

/**
 * Connects and authenticates the chain of hops (ProxyJump jump hosts, then the target server), each
 * with its host key check and its credentials read fresh from the config. When a hop behind a jump
 * host fails, asks the jump host whether it refuses the channel, which is the failure to report then.
 */
final class HopChainConnector {

    private static final Logger LOG = Logger.getLogger(HopChainConnector.class);

    private final TunnelSshClient client;

    HopChainConnector(TunnelSshClient client) {
        this.client = client;
    }

    /**
     * Returns the authenticated session to the final hop. Every session opened is added to
     * {@code opened} at once, so that the caller can close a chain left half-built by a failure or by
     * a close from another thread.
     */
    ClientSession connect(TunnelConfig config, List<HostKeyCheck> hostKeyChecks, List<ClientSession> opened) throws Exception {
        List<EndpointConfig> hops = config.hops();
        hostKeyChecks.forEach(HostKeyCheck::forgetRejection);
        List<Credentials> credentials = new ArrayList<>();
        for (EndpointConfig hop : hops) {
            credentials.add(Credentials.load(hop));
        }
        SshdSocketAddress through = null;
        for (int i = 0; i < hops.size(); i++) {
            EndpointConfig hop = hops.get(i);
            String host = through == null ? hop.host() : through.getHostName();
            int port = through == null ? hop.port() : through.getPort();
            ClientSession session;
            try {
                boolean proxied = i == 0 && config.proxy() != null;
                AttributeRepository context = context(config, hostKeyChecks.get(i), proxied);
                // Through a proxy the hop is sent by name: resolving it here would ask the pod's DNS for nothing.
                session = (proxied ? client.connectByName(hop.user(), host, port, context)
                        : client.connect(hop.user(), host, port, context, null))
                        .verify(config.connectTimeout())
                        .getSession();
                opened.add(session);
                credentials.get(i).addTo(session);
                try {
                    session.auth().verify(config.connectTimeout());
                } catch (IOException e) {
                    throw new AuthenticationException(hop, e);
                }
            } catch (Exception e) {
                if (i > 0) {
                    // Through a jump host, a refused channel only shows as this hop's session closing.
                    diagnoseJump(opened.get(i - 1), hops.get(i - 1), hop, config);
                }
                throw e;
            }
            if (i < hops.size() - 1) {
                // ProxyJump: the next hop is reached through a local forward on an ephemeral 127.0.0.1 port; any
                // process in the pod can connect to it, and it leads only to the next hop's SSH server.
                EndpointConfig next = hops.get(i + 1);
                through = session.startLocalPortForwarding(new SshdSocketAddress("127.0.0.1", 0),
                        new SshdSocketAddress(next.host(), next.port()));
            }
        }
        return opened.get(opened.size() - 1);
    }

    /** The connect context of a hop: its host key check, and for the first TCP connection out of the pod the proxy. */
    private static AttributeRepository context(TunnelConfig config, HostKeyCheck check, boolean proxied) {
        if (!proxied) {
            return AttributeRepository.ofKeyValuePair(SshClientFactory.HOST_KEY_CHECK, check);
        }
        return AttributeRepository.ofAttributesMap(Map.of(SshClientFactory.HOST_KEY_CHECK, check,
                SshClientFactory.PROXY, SshClientFactory.ProxyRoute.startingNow(config.proxy(), config.connectTimeout())));
    }

    /** Asks the jump host for a channel to the next hop; a refusal becomes the failure to report. */
    private static void diagnoseJump(ClientSession jump, EndpointConfig jumpHop, EndpointConfig next, TunnelConfig config)
            throws JumpRefusedException {
        try (ChannelDirectTcpip probe = jump.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 0),
                new SshdSocketAddress(next.host(), next.port()))) {
            probe.open().verify(config.connectTimeout());
        } catch (IOException | RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof SshChannelOpenException refused) {
                    throw new JumpRefusedException("jump host " + jumpHop.user() + "@" + jumpHop.knownHostsName() + " refused to "
                            + "open a channel to " + next.host() + ":" + next.port() + " (" + openFailure(refused) + "); allow TCP "
                            + "forwarding to it for this user there (AllowTcpForwarding, permitopen)");
                }
            }
            LOG.debugf("probing jump host %s: %s", jumpHop.knownHostsName(), UntrustedText.clean(e.toString(), UntrustedText.MESSAGE));
            // The jump itself went away or the probe failed otherwise: the original failure stands.
        }
    }

    /** RFC 4254 section 5.1 reason codes, which say more than OpenSSH's "open failed". */
    private static String openFailure(SshChannelOpenException refused) {
        String reason = switch (refused.getReasonCode()) {
            case 1 -> "administratively prohibited";
            case 2 -> "connect failed";
            case 3 -> "unknown channel type";
            case 4 -> "resource shortage";
            default -> "reason " + refused.getReasonCode();
        };
        return reason + (refused.getMessage() == null ? "" : ": " + refused.getMessage());
    }

    /** A jump host refused the channel to the next hop. */
    static final class JumpRefusedException extends Exception {
        JumpRefusedException(String message) {
            super(message);
        }
    }

    /** Authentication of a hop failed; the message names the hop, never a credential. */
    static final class AuthenticationException extends Exception {
        AuthenticationException(EndpointConfig hop, IOException cause) {
            super("authentication as " + hop.user() + " to " + hop.knownHostsName() + " failed: "
                    + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()));
        }
    }
}
