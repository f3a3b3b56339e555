package dev.sshtunnel.forwarder.session;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.util.security.SecurityUtils;

import dev.sshtunnel.config.EndpointConfig;

/**
 * The identities one endpoint authenticates with, loaded once from the secret files: private keys
 * (OpenSSH or PEM, optionally encrypted), an optional user certificate, an optional password.
 */
public final class Credentials {

    private final List<KeyPair> keys;
    private final String password;

    private Credentials(List<KeyPair> keys, String password) {
        this.keys = List.copyOf(keys);
        this.password = password;
    }

    /** Fails with a message that names the Secret but never shows its content. */
    public static Credentials load(EndpointConfig endpoint) throws CredentialException {
        List<KeyPair> keys = new ArrayList<>();
        if (endpoint.privateKey() != null) {
            FilePasswordProvider passphrase = endpoint.passphrase() == null ? FilePasswordProvider.EMPTY
                    : FilePasswordProvider.of(endpoint.passphrase().text());
            String source = endpoint.privateKey().source();
            try {
                for (KeyPair pair : SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(source),
                        new ByteArrayInputStream(endpoint.privateKey().bytes()), passphrase)) {
                    keys.add(pair);
                }
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                String hint = endpoint.passphrase() == null ? "is it encrypted without a passphraseKey, or not a private key?"
                        : "wrong passphrase, or not a private key?";
                throw new CredentialException("private key in " + source + " cannot be loaded (" + hint + "): "
                        + e.getClass().getSimpleName());
            }
            if (keys.isEmpty()) {
                // MINA yields no key at all for formats it cannot read (ed25519 without an EdDSA provider).
                throw new CredentialException("private key in " + source + " holds no key this forwarder can use"
                        + " (supported: ed25519, ecdsa, rsa in OpenSSH or PEM format)");
            }
            if (endpoint.certificate() != null) {
                keys = withCertificate(keys, endpoint);
            }
        }
        return new Credentials(keys, endpoint.password() == null ? null : endpoint.password().text());
    }

    private static List<KeyPair> withCertificate(List<KeyPair> keys, EndpointConfig endpoint) throws CredentialException {
        String source = endpoint.certificate().source();
        PublicKey certificate;
        try {
            certificate = PublicKeyEntry.parsePublicKeyEntry(endpoint.certificate().text().trim())
                    .resolvePublicKey(null, Map.of(), PublicKeyEntryResolver.FAILING);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new CredentialException("certificate in " + source + " cannot be parsed: " + e.getClass().getSimpleName());
        }
        if (!(certificate instanceof OpenSshCertificate openSsh) || openSsh.getType() != OpenSshCertificate.Type.USER) {
            throw new CredentialException("certificate in " + source + " is not an OpenSSH user certificate");
        }
        List<KeyPair> certified = new ArrayList<>();
        for (KeyPair pair : keys) {
            if (KeyUtils.compareKeys(openSsh.getCertPubKey(), pair.getPublic())) {
                certified.add(new KeyPair(certificate, pair.getPrivate()));
            }
        }
        if (certified.isEmpty()) {
            throw new CredentialException("certificate in " + source + " does not certify the configured private key");
        }
        certified.addAll(keys);
        return certified;
    }

    public void addTo(ClientSession session) {
        keys.forEach(session::addPublicKeyIdentity);
        if (password != null) {
            session.addPasswordIdentity(password);
        }
    }

    /** A credential that cannot be used as configured; always an AuthenticationFailed-class user error. */
    public static class CredentialException extends Exception {
        public CredentialException(String message) {
            super(message);
        }
    }
}
