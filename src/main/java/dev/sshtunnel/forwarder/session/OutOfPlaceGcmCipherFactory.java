package dev.sshtunnel.forwarder.session;

import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.cipher.CipherFactory;

/**
 * Stands in for MINA's {@code aes128-gcm@openssh.com} or {@code aes256-gcm@openssh.com} factory (same
 * name and parameters) and makes {@link OutOfPlaceGcmCipher}s, decrypting out of place where that is
 * the faster way: on JDK 25 and later. {@value #PROPERTY}{@code =true} or {@code =false} overrides the
 * choice, for A/B benchmarks (docs/benchmarks.md).
 */
public final class OutOfPlaceGcmCipherFactory implements CipherFactory {

    /** "true" or "false" forces out-of-place decryption on or off; unset, it follows the runtime. */
    public static final String PROPERTY = "sshtunnel.forwarder.gcmOutOfPlace";

    private final BuiltinCiphers stock;
    private final boolean outOfPlace;

    OutOfPlaceGcmCipherFactory(BuiltinCiphers stock, boolean outOfPlace) {
        if (stock != BuiltinCiphers.aes128gcm && stock != BuiltinCiphers.aes256gcm) {
            throw new IllegalArgumentException("not an AES-GCM cipher: " + stock.getName());
        }
        this.stock = stock;
        this.outOfPlace = outOfPlace;
    }

    /** {@code stock}'s stand-in, out of place as {@value #PROPERTY} or else this runtime's version decides. */
    public static OutOfPlaceGcmCipherFactory forRuntime(BuiltinCiphers stock) {
        String forced = System.getProperty(PROPERTY);
        boolean outOfPlace = forced == null ? Runtime.version().feature() >= 25 : Boolean.parseBoolean(forced);
        return new OutOfPlaceGcmCipherFactory(stock, outOfPlace);
    }

    boolean decryptsOutOfPlace() {
        return outOfPlace;
    }

    @Override
    public Cipher create() {
        return new OutOfPlaceGcmCipher(getIVSize(), getAuthenticationTagSize(), getKdfSize(), getAlgorithm(), getKeySize(),
                getTransformation(), getCipherBlockSize(), outOfPlace);
    }

    @Override
    public String getName() {
        return stock.getName();
    }

    @Override
    public boolean isSupported() {
        return stock.isSupported();
    }

    @Override
    public String getAlgorithm() {
        return stock.getAlgorithm();
    }

    @Override
    public int getKeySize() {
        return stock.getKeySize();
    }

    @Override
    public String getTransformation() {
        return stock.getTransformation();
    }

    @Override
    public int getIVSize() {
        return stock.getIVSize();
    }

    @Override
    public int getAuthenticationTagSize() {
        return stock.getAuthenticationTagSize();
    }

    @Override
    public int getKdfSize() {
        return stock.getKdfSize();
    }

    @Override
    public int getCipherBlockSize() {
        return stock.getCipherBlockSize();
    }

    @Override
    public String toString() {
        return getName() + (outOfPlace ? " (decrypts out of place)" : "");
    }
}
