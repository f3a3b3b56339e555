package dev.sshtunnel.forwarder.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import javax.crypto.AEADBadTagException;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.cipher.Cipher.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The out-of-place AES-GCM cipher against MINA's own, packet by packet as MINA's session drives them
 * (4 bytes of packet length as AAD, then the packet, then room for the tag): every byte decrypts to the
 * same as MINA's cipher decrypts it to, in both pairings, for every packet size up to MINA's limit; the
 * counter in the IV moves once per packet; a damaged packet is refused. Both decryption paths run on any
 * JDK here (the runtime only picks the default).
 */
class OutOfPlaceGcmCipherTest {

    private static final int AAD = 4;
    private static final int TAG = 16;
    /** Edge sizes, SSH's usual 32 KiB data packets and a bit over, and MINA's incoming limit and past it. */
    private static final int[] SIZES = {0, 1, 15, 16, 17, 31, 32, 33, 48, 64, 255, 256, 1024, 4095, 4096, 16384,
        32768, 32768 + 4 + 48, 32768 + 1024, 65536, 100_000, OutOfPlaceGcmCipher.MAX_SCRATCH, OutOfPlaceGcmCipher.MAX_SCRATCH + 16};

    private final SplittableRandom random = new SplittableRandom(7);

    /** Key and IV long enough for either cipher (init cuts them to the cipher's sizes); the IV's counter near a carry. */
    private final byte[] key = bytes(64);
    private final byte[] iv = ByteBuffer.allocate(64).put(bytes(4)).putLong(0x00_00_00_00_FF_FF_FF_F0L).put(bytes(52)).array();

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private Cipher stock(BuiltinCiphers gcm, Mode mode) throws Exception {
        Cipher cipher = gcm.create();
        cipher.init(mode, key.clone(), iv.clone());
        return cipher;
    }

    private Cipher ours(BuiltinCiphers gcm, Mode mode, boolean outOfPlace) throws Exception {
        Cipher cipher = new OutOfPlaceGcmCipherFactory(gcm, outOfPlace).create();
        cipher.init(mode, key.clone(), iv.clone());
        return cipher;
    }

    /** A packet as MINA lays it out: {@code at} bytes of something else, length, payload, room for the tag, more after. */
    private record Packet(byte[] buffer, int at, int length) {
        byte[] copy() {
            return buffer.clone();
        }
    }

    private Packet packet(int length) {
        int at = random.nextInt(0, 8);
        byte[] buffer = bytes(at + AAD + length + TAG + 8);
        ByteBuffer.wrap(buffer, at, AAD).putInt(length);
        return new Packet(buffer, at, length);
    }

    /** What MINA's session does with a packet in {@code buffer} laid out as {@code p}, either way. */
    private static void encrypt(Cipher cipher, byte[] buffer, Packet p) throws Exception {
        cipher.updateWithAAD(buffer, p.at(), AAD, p.length());
    }

    private static void decrypt(Cipher cipher, byte[] buffer, Packet p) throws Exception {
        encrypt(cipher, buffer, p);
    }

    /** Every size, each direction: the decrypted buffer equals MINA's, byte for byte, and the plaintext survives. */
    @ParameterizedTest
    @EnumSource(value = BuiltinCiphers.class, names = {"aes128gcm", "aes256gcm"})
    void decryptsEveryByteAsMinaDoesInBothPairings(BuiltinCiphers gcm) throws Exception {
        for (boolean outOfPlace : new boolean[] {true, false}) {
            Cipher stockOut = stock(gcm, Mode.Encrypt);
            Cipher oursOut = ours(gcm, Mode.Encrypt, outOfPlace);
            Cipher stockIn = stock(gcm, Mode.Decrypt);
            Cipher oursIn = ours(gcm, Mode.Decrypt, outOfPlace);
            Cipher stockInForOurs = stock(gcm, Mode.Decrypt);
            // Up, down, and again in a shuffled order: the scratch array is grown, then reused for smaller packets.
            int[] order = IntStream.concat(IntStream.concat(Arrays.stream(SIZES), IntStream.range(0, SIZES.length)
                    .map(i -> SIZES[SIZES.length - 1 - i])), random.ints(40, 0, SIZES.length).map(i -> SIZES[i])).toArray();
            for (int size : order) {
                Packet p = packet(size);

                // MINA encrypts, this cipher decrypts; MINA's own decryption is the reference for the whole buffer.
                byte[] sealed = p.copy();
                encrypt(stockOut, sealed, p);
                byte[] byStock = sealed.clone();
                byte[] byOurs = sealed.clone();
                decrypt(stockIn, byStock, p);
                decrypt(oursIn, byOurs, p);
                assertThat(byOurs).as("%s, %d bytes", gcm, size).isEqualTo(byStock);
                assertThat(Arrays.copyOfRange(byOurs, p.at(), p.at() + AAD + size))
                        .isEqualTo(Arrays.copyOfRange(p.buffer(), p.at(), p.at() + AAD + size));

                // This cipher encrypts (exactly as MINA does), MINA decrypts.
                byte[] sealedByOurs = p.copy();
                encrypt(oursOut, sealedByOurs, p);
                assertThat(sealedByOurs).as("%s, %d bytes, encrypted", gcm, size).isEqualTo(sealed);
                decrypt(stockInForOurs, sealedByOurs, p);
                assertThat(sealedByOurs).isEqualTo(byStock);
            }
        }
    }

    /** Packet n is sealed under the IV's 64-bit counter plus n, as OpenSSH does (RFC 5647 §7.1), carries included. */
    @ParameterizedTest
    @EnumSource(value = BuiltinCiphers.class, names = {"aes128gcm", "aes256gcm"})
    void theCounterMovesOncePerPacketAcrossCarries(BuiltinCiphers gcm) throws Exception {
        Cipher oursIn = ours(gcm, Mode.Decrypt, true);
        javax.crypto.Cipher jdk = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        SecretKeySpec aesKey = new SecretKeySpec(Arrays.copyOf(key, gcm.getKdfSize()), "AES");
        long counter = ByteBuffer.wrap(iv, 4, 8).getLong();
        for (int n = 0; n < 40; n++) {   // from ...FFFFFFF0 over the carry into the fifth byte
            Packet p = packet(random.nextInt(0, 2000));
            byte[] nonce = ByteBuffer.allocate(12).put(iv, 0, 4).putLong(counter + n).array();
            jdk.init(javax.crypto.Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(TAG * 8, nonce));
            byte[] sealed = p.copy();
            jdk.updateAAD(sealed, p.at(), AAD);
            jdk.doFinal(sealed, p.at() + AAD, p.length(), sealed, p.at() + AAD);

            decrypt(oursIn, sealed, p);
            assertThat(Arrays.copyOfRange(sealed, p.at(), p.at() + AAD + p.length()))
                    .as("packet %d", n).isEqualTo(Arrays.copyOfRange(p.buffer(), p.at(), p.at() + AAD + p.length()));
        }
    }

    /** A flipped bit in the tag, the ciphertext or the length (AAD) is refused, and no unchecked plaintext is left behind. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 16, 32768, 32768 + 52})
    void aDamagedPacketIsRefused(int size) throws Exception {
        for (BuiltinCiphers gcm : List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm)) {
            for (String where : List.of("tag", "ciphertext", "length")) {
                if (where.equals("ciphertext") && size == 0) {
                    continue;
                }
                Packet p = packet(size);
                byte[] sealed = p.copy();
                encrypt(stock(gcm, Mode.Encrypt), sealed, p);
                int bit = switch (where) {
                    case "tag" -> p.at() + AAD + size + random.nextInt(TAG);
                    case "ciphertext" -> p.at() + AAD + random.nextInt(size);
                    default -> p.at() + random.nextInt(AAD);
                };
                sealed[bit] ^= (byte) (1 << random.nextInt(8));
                byte[] damaged = sealed.clone();

                assertThatThrownBy(() -> decrypt(ours(gcm, Mode.Decrypt, true), sealed, p))
                        .as("%s, %d bytes, %s", gcm, size, where).isInstanceOf(AEADBadTagException.class);
                assertThat(sealed).as("untouched").isEqualTo(damaged);
                assertThatThrownBy(() -> decrypt(ours(gcm, Mode.Decrypt, false), damaged.clone(), p))
                        .isInstanceOf(AEADBadTagException.class);
            }
        }
    }

    /** A packet replayed or out of order fails: the counter is the packet's sequence, not chosen by the sender. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aReplayedPacketIsRefused(boolean outOfPlace) throws Exception {
        Cipher out = stock(BuiltinCiphers.aes128gcm, Mode.Encrypt);
        Cipher in = ours(BuiltinCiphers.aes128gcm, Mode.Decrypt, outOfPlace);
        Packet p = packet(100);
        byte[] first = p.copy();
        encrypt(out, first, p);
        byte[] replay = first.clone();
        decrypt(in, first, p);

        assertThatThrownBy(() -> decrypt(in, replay, p)).isInstanceOf(AEADBadTagException.class);
    }

    @ParameterizedTest
    @EnumSource(value = BuiltinCiphers.class, names = {"aes128gcm", "aes256gcm"})
    void theFactoryIsMinasUnderTheSameNameAndParameters(BuiltinCiphers gcm) {
        OutOfPlaceGcmCipherFactory factory = new OutOfPlaceGcmCipherFactory(gcm, true);

        assertThat(factory.getName()).isEqualTo(gcm.getName());
        assertThat(List.of(factory.getAlgorithm(), factory.getTransformation(), factory.getKeySize(), factory.getIVSize(),
                factory.getAuthenticationTagSize(), factory.getKdfSize(), factory.getCipherBlockSize(), factory.isSupported()))
                .isEqualTo(List.of(gcm.getAlgorithm(), gcm.getTransformation(), gcm.getKeySize(), gcm.getIVSize(),
                        gcm.getAuthenticationTagSize(), gcm.getKdfSize(), gcm.getCipherBlockSize(), gcm.isSupported()));
        assertThatThrownBy(() -> new OutOfPlaceGcmCipherFactory(BuiltinCiphers.aes128ctr, true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Out of place by default from JDK 25 on, in place before; the property forces either way. */
    @Test
    void theRuntimeDecidesUnlessThePropertySays() {
        String saved = System.getProperty(OutOfPlaceGcmCipherFactory.PROPERTY);
        try {
            System.clearProperty(OutOfPlaceGcmCipherFactory.PROPERTY);
            assertThat(OutOfPlaceGcmCipherFactory.forRuntime(BuiltinCiphers.aes128gcm).decryptsOutOfPlace())
                    .isEqualTo(Runtime.version().feature() >= 25);
            System.setProperty(OutOfPlaceGcmCipherFactory.PROPERTY, "false");
            assertThat(OutOfPlaceGcmCipherFactory.forRuntime(BuiltinCiphers.aes128gcm).decryptsOutOfPlace()).isFalse();
            System.setProperty(OutOfPlaceGcmCipherFactory.PROPERTY, "true");
            assertThat(OutOfPlaceGcmCipherFactory.forRuntime(BuiltinCiphers.aes256gcm).decryptsOutOfPlace()).isTrue();
        } finally {
            if (saved == null) {
                System.clearProperty(OutOfPlaceGcmCipherFactory.PROPERTY);
            } else {
                System.setProperty(OutOfPlaceGcmCipherFactory.PROPERTY, saved);
            }
        }
    }

    /** The client offers the GCM ciphers first, in MINA's order and names, made by this factory; the rest as before. */
    @Test
    void theClientOffersTheseInPlaceOfMinasGcm() {
        List<NamedFactory<Cipher>> defaults = SshClient.setUpDefaultClient().getCipherFactories();

        List<NamedFactory<Cipher>> offered = SshClientFactory.preferGcm(defaults);

        assertThat(offered).extracting(NamedFactory::getName).startsWith("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")
                .containsExactlyInAnyOrderElementsOf(defaults.stream().map(NamedFactory::getName).toList());
        assertThat(offered.subList(0, 2)).allMatch(f -> f instanceof OutOfPlaceGcmCipherFactory);
        assertThat(offered.subList(2, offered.size())).allMatch(defaults::contains);
    }
}
