package dev.sshtunnel.forwarder.session;

import org.apache.sshd.common.cipher.BaseGCMCipher;

/**
 * MINA's AES-GCM cipher, except that it decrypts a packet into a scratch array of its own and copies
 * the plaintext back, where MINA decrypts in place. On JDK 25 an in-place AES-GCM decryption misses the
 * fused AES-GCM intrinsic: 32 KiB packets decrypt at about 4 GB/s in place against 13-16 GB/s into another
 * array and back; on JDK 17 the two are even (docs/benchmarks.md), so {@link OutOfPlaceGcmCipherFactory}
 * decides per runtime.
 * Encryption, key and IV handling, the counter and the tag check are MINA's own.
 * <p>
 * One instance serves one direction of one session, one packet at a time (MINA's decoder), so the
 * scratch array needs no locking. It grows to the longest packet seen, at most {@link #MAX_SCRATCH}.
 */
public final class OutOfPlaceGcmCipher extends BaseGCMCipher {

    /** MINA refuses incoming packets longer than this (256 KiB) before decrypting them. */
    static final int MAX_SCRATCH = 256 * 1024;

    private final boolean outOfPlace;
    private byte[] scratch = new byte[0];
    private Counter counter;

    /** Same parameters as MINA's; {@code outOfPlace} false makes it MINA's cipher exactly. */
    OutOfPlaceGcmCipher(int ivSize, int tagSize, int kdfSize, String algorithm, int keySize, String transformation,
            int blockSize, boolean outOfPlace) {
        super(ivSize, tagSize, kdfSize, algorithm, keySize, transformation, blockSize);
        this.outOfPlace = outOfPlace;
    }

    /** MINA's set-up, with the IV's counter in a spec this class may step (MINA's keeps its step protected). */
    @Override
    protected javax.crypto.Cipher createCipherInstance(Mode mode, byte[] key, byte[] iv) throws Exception {
        javax.crypto.Cipher cipher = super.createCipherInstance(mode, key, iv);
        counter = new Counter(getAuthenticationTagSize() * Byte.SIZE, iv);
        parameters = counter;
        return cipher;
    }

    /** As MINA's {@code update}: {@code input[offset, offset + length)} followed by the tag, decrypted in place. */
    @Override
    public void update(byte[] input, int offset, int length) throws Exception {
        if (!outOfPlace || mode != Mode.Decrypt || length > MAX_SCRATCH) {
            super.update(input, offset, length);
            return;
        }
        javax.crypto.Cipher cipher = getInitializedCipherInstance();
        if (scratch.length < length) {
            scratch = new byte[length];
        }
        // Throws AEADBadTagException on a forged or damaged packet before anything is copied back.
        int plain = cipher.doFinal(input, offset, length + getAuthenticationTagSize(), scratch, 0);
        System.arraycopy(scratch, 0, input, offset, plain);
        counter.next();
        initialized = false;
    }

    /** MINA's IV: a 64-bit counter in its last 8 bytes, one step per packet, refusing to come round again. */
    private static final class Counter extends CounterGCMParameterSpec {
        Counter(int tagBits, byte[] iv) {
            super(tagBits, iv);
        }

        void next() {
            incrementCounter();
        }
    }
}
