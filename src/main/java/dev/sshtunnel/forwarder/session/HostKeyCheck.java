package dev.sshtunnel.forwarder.session;

import java.io.IOException;
import java.net.SocketAddress;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.apache.sshd.common.signature.Signature;

import dev.sshtunnel.api.v1alpha1.HostKeyPolicy;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.config.ConfigException;
import dev.sshtunnel.config.EndpointConfig;
import dev.sshtunnel.config.KnownHostsText;

/**
 * Verifies one endpoint's host key by its policy. Never accepts by default: Strict needs the key
 * (or its CA) in knownHosts or fingerprints; AcceptNew trusts the first key the process sees for this
 * endpoint ({@link FirstUseHostKeys}, shared by all its sessions); Insecure must be asked for. MINA only says "server key did not validate", so the
 * reason is kept here for the session to report.
 */
public final class HostKeyCheck implements ServerKeyVerifier {

    /**
     * The signatures a CA may make a host certificate with: OpenSSH's default CASignatureAlgorithms
     * since 8.2, which leaves out ssh-rsa (RSA with SHA-1, forgeable by chosen-prefix collision).
     */
    static final Set<String> CA_SIGNATURE_ALGORITHMS = Set.of("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "rsa-sha2-512",
            "rsa-sha2-256");

    private final EndpointConfig endpoint;
    private final List<KnownHostEntry> knownHosts;
    private final FirstUseHostKeys firstUse;
    private volatile String presentedFingerprint;
    private volatile Rejection rejection;

    /** Why a key was refused, in the taxonomy. */
    public record Rejection(Reason reason, String message) {
    }

    public HostKeyCheck(EndpointConfig endpoint, FirstUseHostKeys firstUse) {
        this.endpoint = endpoint;
        this.firstUse = firstUse;
        this.knownHosts = parse(endpoint.hostKey().knownHosts());
    }

    /** Parses known_hosts lines; the document loader has already refused a malformed one. */
    static List<KnownHostEntry> parse(String lines) {
        try {
            return KnownHostsText.parse(lines, "hostKey.knownHosts");
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** A new attempt: an earlier rejection must not explain a later, different failure. */
    public void forgetRejection() {
        rejection = null;
    }

    public Optional<Rejection> rejection() {
        return Optional.ofNullable(rejection);
    }

    public String presentedFingerprint() {
        return presentedFingerprint;
    }

    @Override
    public boolean verifyServerKey(ClientSession session, SocketAddress remoteAddress, PublicKey serverKey) {
        presentedFingerprint = fingerprint(serverKey);
        rejection = null;
        HostKeyPolicy policy = endpoint.hostKey().policy();
        if (policy == HostKeyPolicy.Insecure) {
            return true;
        }
        boolean anyKnown = false;
        boolean revoked = false;
        boolean matched = false;
        String refusedCaSignature = null;
        // A host certificate is judged as OpenSSH does: by its CA for @cert-authority lines, and by the
        // plain key inside it for plain lines and fingerprints (OpenSSH falls back to the plain key).
        PublicKey plainKey = keyOf(serverKey);
        String plainFingerprint = fingerprint(plainKey);
        for (KnownHostEntry entry : knownHosts) {
            if (!OpenSshHostPatterns.matches(entry, endpoint.host(), endpoint.port())) {
                continue;
            }
            PublicKey listed = resolve(session, entry);
            if (listed == null) {
                continue;
            }
            String marker = entry.getMarker();
            if ("revoked".equals(marker)) {
                // Revoked: the key itself, or the CA that signed the certificate presented.
                if (KeyUtils.compareKeys(listed, plainKey) || KeyUtils.compareKeys(listed, serverKey)
                        || (serverKey instanceof OpenSshCertificate certificate
                                && KeyUtils.compareKeys(listed, certificate.getCaPubKey()))) {
                    revoked = true;
                }
                continue;
            }
            anyKnown = true;
            if ("cert-authority".equals(marker)) {
                if (signedBy(session, serverKey, listed)) {
                    String algorithm = ((OpenSshCertificate) serverKey).getSignatureAlgorithm();
                    if (CA_SIGNATURE_ALGORITHMS.contains(algorithm)) {
                        matched = true;
                    } else {
                        refusedCaSignature = algorithm;
                    }
                }
            } else if (KeyUtils.compareKeys(listed, plainKey)) {
                matched = true;
            }
        }
        for (String fingerprint : endpoint.hostKey().fingerprints()) {
            anyKnown = true;
            if (unpadded(fingerprint).equals(unpadded(presentedFingerprint)) || unpadded(fingerprint).equals(unpadded(plainFingerprint))) {
                matched = true;
            }
        }
        if (revoked) {
            rejection = new Rejection(Reason.HostKeyMismatch, "host key " + presentedFingerprint + " of " + endpoint.knownHostsName()
                    + " (or the CA that signed it) is marked @revoked in knownHosts");
            return false;
        }
        if (matched) {
            return true;
        }
        if (policy == HostKeyPolicy.AcceptNew && !anyKnown) {
            PublicKey first = firstUse.firstFor(endpoint.knownHostsName(), serverKey);
            if (KeyUtils.compareKeys(first, serverKey)) {
                return true;
            }
            rejection = new Rejection(Reason.HostKeyMismatch, endpoint.knownHostsName() + " presented " + presentedFingerprint
                    + " but " + fingerprint(first) + " was accepted first");
            return false;
        }
        if (refusedCaSignature != null) {
            rejection = new Rejection(Reason.HostKeyMismatch, endpoint.knownHostsName() + " presented a host certificate that its"
                    + " @cert-authority signed with " + refusedCaSignature + ", which OpenSSH 8.2 and later refuse for certificates"
                    + " (ssh-rsa is RSA with SHA-1); sign it again with ssh-keygen -s CA_KEY -t rsa-sha2-512");
        } else if (anyKnown) {
            rejection = new Rejection(Reason.HostKeyMismatch, endpoint.knownHostsName() + " presented host key "
                    + presentedFingerprint + ", which is not the one listed in hostKey");
        } else {
            rejection = new Rejection(Reason.HostKeyUnknown, "no known host key for " + endpoint.knownHostsName()
                    + " (it presented " + presentedFingerprint + ")");
        }
        return false;
    }

    public static String fingerprint(PublicKey key) {
        return KeyUtils.getFingerPrint(BuiltinDigests.sha256, key);
    }

    /** Fingerprints are compared without base64 padding, which ssh-keygen omits and MINA writes. */
    private static String unpadded(String fingerprint) {
        return fingerprint.replaceAll("=+$", "");
    }

    private static PublicKey keyOf(PublicKey key) {
        return key instanceof OpenSshCertificate certificate ? certificate.getCertPubKey() : key;
    }

    /**
     * A host certificate for this endpoint, valid now, signed by {@code authority}: the only check a
     * certificate gets (CertificateJudgingKeyExchanges), so the CA's signature is verified here.
     */
    private boolean signedBy(ClientSession session, PublicKey serverKey, PublicKey authority) {
        if (!(serverKey instanceof OpenSshCertificate certificate)) {
            return false;
        }
        return certificate.getType() == OpenSshCertificate.Type.HOST
                && KeyUtils.compareKeys(certificate.getCaPubKey(), authority)
                && OpenSshCertificate.isValidNow(certificate)
                && certificate.getCriticalOptions().isEmpty() // none are defined for host certificates
                && (certificate.getPrincipals().isEmpty() || certificate.getPrincipals().contains(endpoint.host()))
                && signatureVerifies(session, certificate);
    }

    private static boolean signatureVerifies(ClientSession session, OpenSshCertificate certificate) {
        Signature verifier = NamedFactory.create(session.getSignatureFactories(), certificate.getSignatureAlgorithm());
        if (verifier == null) {
            return false; // a signature algorithm this client does not accept
        }
        try {
            verifier.initVerifier(session, certificate.getCaPubKey());
            verifier.update(session, certificate.getMessage());
            return verifier.verify(session, certificate.getSignature());
        } catch (Exception e) {
            return false;
        }
    }

    private static PublicKey resolve(ClientSession session, KnownHostEntry entry) {
        try {
            return entry.getKeyEntry().resolvePublicKey(session, PublicKeyEntryResolver.IGNORING);
        } catch (IOException | GeneralSecurityException e) {
            return null;
        }
    }
}
