package dev.sshtunnel.forwarder.session;

import java.util.List;
import java.util.function.Function;

import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.kex.DHGClient;
import org.apache.sshd.client.kex.DHGEXClient;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.kex.DHFactory;
import org.apache.sshd.common.kex.KeyExchange;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.session.Session;

/**
 * MINA's client key exchanges, except that a host certificate is judged in one place,
 * {@link HostKeyCheck}, as OpenSSH judges it. MINA's DH key exchange checks a certificate's
 * principals against the address it connected to and refuses it before any known_hosts line is
 * read: a certificate for another name was refused although the plain key inside it was pinned
 * (OpenSSH then uses the plain key), and a hop behind a jump host was compared with 127.0.0.1. Its
 * group-exchange key exchange, in turn, checks no certificate at all, not even the CA's signature.
 * HostKeyCheck checks type, validity, principals against the configured host and the CA's
 * signature whenever it trusts a certificate through {@code @cert-authority}; the exchange itself is
 * still signed with the presented key and verified by MINA.
 */
final class CertificateJudgingKeyExchanges {

    private CertificateJudgingKeyExchanges() {
    }

    static List<KeyExchangeFactory> all() {
        return NamedFactory.setUpTransformedFactories(true, ClientBuilder.DEFAULT_KEX_PREFERENCE, TO_KEY_EXCHANGE);
    }

    private static final Function<DHFactory, KeyExchangeFactory> TO_KEY_EXCHANGE = factory -> factory.isGroupExchange()
            ? DHGEXClient.newFactory(factory)
            : new KeyExchangeFactory() {
                @Override
                public String getName() {
                    return factory.getName();
                }

                @Override
                public KeyExchange createKeyExchange(Session session) {
                    return new DHGClient(factory, session) {
                        @Override
                        protected void verifyCertificate(Session ignored, OpenSshCertificate certificate) {
                            // Judged by HostKeyCheck, against the endpoint's knownHosts.
                        }
                    };
                }
            };
}
