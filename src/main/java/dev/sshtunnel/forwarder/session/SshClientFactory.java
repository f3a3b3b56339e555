package dev.sshtunnel.forwarder.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;

import dev.sshtunnel.config.ProxyConfig;
import dev.sshtunnel.forwarder.forward.ForwardThreads;

/**
 * One SshClient per forwarder process, configured for tunnels rather than MINA's defaults: no
 * idle timeout (keepalive decides liveness), TCP_NODELAY (interactive round trips would otherwise
 * stall 40 ms on Nagle and delayed ACK), AES-GCM first, no keys from ~/.ssh, and host keys checked
 * by the endpoint each session is for.
 */
public final class SshClientFactory {

    /** The host key check of the endpoint a session connects to, set in the connect context. */
    public static final AttributeKey<HostKeyCheck> HOST_KEY_CHECK = new AttributeKey<>();
    /** The outbound proxy of a session's first TCP connection, set in its connect context; absent: a direct connect. */
    static final AttributeKey<ProxyRoute> PROXY = new AttributeKey<>();

    /**
     * A proxy, and when its connect and handshake must be done (System.nanoTime()): a little before the session's
     * connect timeout ({@code timeout}), so that the failure says it was the proxy, not only that the connect timed out.
     */
    record ProxyRoute(ProxyConfig proxy, long deadlineNanos, Duration timeout) {
        static final Duration MARGIN = Duration.ofMillis(250);

        static ProxyRoute startingNow(ProxyConfig proxy, Duration timeout) {
            return new ProxyRoute(proxy, System.nanoTime() + Math.max(timeout.toNanos() / 2, timeout.minus(MARGIN).toNanos()), timeout);
        }
    }

    /**
     * MINA registers every security provider it finds; BouncyCastle's registration alone loads about
     * 450 classes (0.6 s of a 2.5 s start, docs/benchmarks.md). Ed25519, the only thing the JDK lacks
     * for SSH keys here, comes from the small net.i2p EdDSA provider instead. Set before MINA's
     * SecurityUtils initialises; an explicit -Dorg.apache.sshd.security.registrars wins.
     */
    static {
        if (System.getProperty("org.apache.sshd.security.registrars") == null) {
            System.setProperty("org.apache.sshd.security.registrars",
                    "org.apache.sshd.common.util.security.SunJCESecurityProviderRegistrar,"
                            + "org.apache.sshd.common.util.security.eddsa.EdDSASecurityProviderRegistrar");
        }
    }

    private SshClientFactory() {
    }

    /** The client's sockets run on {@code threads}' I/O group, with the forwards' own. */
    public static TunnelSshClient create(ForwardThreads threads) {
        TunnelSshClient client = (TunnelSshClient) ClientBuilder.builder().factory(TunnelSshClient::new).build();
        client.setKeyExchangeFactories(CertificateJudgingKeyExchanges.all());
        client.setIoServiceFactoryFactory(SharedGroupIoServiceFactory.factoryFactory(threads.group()));
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        CoreModuleProperties.NIO2_READ_TIMEOUT.set(client, Duration.ZERO);
        CoreModuleProperties.TCP_NODELAY.set(client, true);
        // Rekey as OpenSSH does: after 2^(L/4) blocks of an L-bit block cipher (RFC 4344 §3.2, 64 GiB for
        // AES), not MINA's extra 1 GiB byte limit. Each key exchange (sntrup761 in Java) stalls every
        // channel for tens of milliseconds; at 1 GiB that was one stall per few seconds of bulk transfer.
        CoreModuleProperties.REKEY_BYTES_LIMIT.set(client, 0L);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.setCipherFactories(preferGcm(client.getCipherFactories()));
        client.setServerKeyVerifier(byEndpoint());
        return client;
    }

    private static ServerKeyVerifier byEndpoint() {
        return (session, address, key) -> {
            AttributeRepository context = session.getConnectionContext();
            HostKeyCheck check = context == null ? null : context.getAttribute(HOST_KEY_CHECK);
            // No check attached means a session this process did not open through TunnelSession: refuse.
            return check != null && check.verifyServerKey(session, address, key);
        };
    }

    /**
     * AES-GCM is hardware-accelerated and authenticated in one pass; keep the rest as fallbacks. The GCM
     * ciphers are MINA's with decryption out of place where the runtime is faster that way
     * ({@link OutOfPlaceGcmCipherFactory}).
     */
    static List<NamedFactory<Cipher>> preferGcm(List<NamedFactory<Cipher>> supported) {
        List<NamedFactory<Cipher>> ordered = new ArrayList<>();
        for (BuiltinCiphers preferred : List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm)) {
            if (preferred.isSupported() && supported.stream().anyMatch(c -> c.getName().equals(preferred.getName()))) {
                ordered.add(OutOfPlaceGcmCipherFactory.forRuntime(preferred));
            }
        }
        supported.stream().filter(c -> ordered.stream().noneMatch(o -> o.getName().equals(c.getName()))).forEach(ordered::add);
        return ordered;
    }
}
