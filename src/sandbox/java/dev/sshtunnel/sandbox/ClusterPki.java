package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The key material a fresh control plane needs, generated at every start and written as PEM files:
 * a cluster CA, the API server's serving certificate signed by it (for 127.0.0.1 and the in-cluster
 * names), the service-account signing key pair, and random bearer tokens for the static identities
 * (admin, controller-manager, scheduler, node agent). Nothing is reused between runs.
 */
final class ClusterPki {

    private static final Duration VALIDITY = Duration.ofDays(7);
    private static final SecureRandom RANDOM = new SecureRandom();

    final Path caCertificate;
    final Path servingCertificate;
    final Path servingKey;
    final Path serviceAccountPublicKey;
    final Path serviceAccountPrivateKey;

    private ClusterPki(Path dir) {
        caCertificate = dir.resolve("ca.crt");
        servingCertificate = dir.resolve("apiserver.crt");
        servingKey = dir.resolve("apiserver.key");
        serviceAccountPublicKey = dir.resolve("sa.pub");
        serviceAccountPrivateKey = dir.resolve("sa.key");
    }

    static ClusterPki generate(Path dir) throws IOException {
        Files.createDirectories(dir);
        ClusterPki pki = new ClusterPki(dir);
        try {
            KeyPair ca = rsa();
            X500Name caName = new X500Name("CN=sshtunnel-sandbox-ca");
            X509Certificate caCert = sign(caName, ca.getPrivate(), new JcaX509v3CertificateBuilder(caName, serial(), notBefore(),
                    notAfter(), caName, ca.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)));
            KeyPair serving = rsa();
            GeneralNames names = new GeneralNames(List.of(
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.iPAddress, ControlPlane.KUBERNETES_SERVICE_IP),
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.dNSName, "kubernetes"),
                    new GeneralName(GeneralName.dNSName, "kubernetes.default"),
                    new GeneralName(GeneralName.dNSName, "kubernetes.default.svc"),
                    new GeneralName(GeneralName.dNSName, "kubernetes.default.svc.cluster.local")).toArray(GeneralName[]::new));
            X509Certificate servingCert = sign(caName, ca.getPrivate(), new JcaX509v3CertificateBuilder(caName, serial(),
                    notBefore(), notAfter(), new X500Name("CN=kube-apiserver"), serving.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, names));
            KeyPair serviceAccounts = rsa();
            writePem(pki.caCertificate, "CERTIFICATE", caCert.getEncoded());
            writePem(pki.servingCertificate, "CERTIFICATE", servingCert.getEncoded());
            writePem(pki.servingKey, "PRIVATE KEY", serving.getPrivate().getEncoded());
            writePem(pki.serviceAccountPublicKey, "PUBLIC KEY", serviceAccounts.getPublic().getEncoded());
            writePem(pki.serviceAccountPrivateKey, "PRIVATE KEY", serviceAccounts.getPrivate().getEncoded());
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IOException("cannot generate the control plane's certificates: " + e.getMessage(), e);
        }
        return pki;
    }

    /** A bearer token for the API server's static token file: 32 random bytes, hex. */
    static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    String caPem() throws IOException {
        return Files.readString(caCertificate);
    }

    private static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048, RANDOM);
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X500Name issuer, PrivateKey key, X509v3CertificateBuilder builder)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(key)));
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM);
    }

    private static Date notBefore() {
        return Date.from(Instant.now().minus(Duration.ofHours(1)));
    }

    private static Date notAfter() {
        return Date.from(Instant.now().plus(VALIDITY));
    }

    private static void writePem(Path file, String type, byte[] der) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
    }
}
