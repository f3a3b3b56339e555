// AES-128-GCM as MINA uses it for SSH packets (a new IV per packet, 4 bytes of AAD, one doFinal), in a
// loop: what the JDK's cipher does without the forwarder around it. Prints MB/s every 2 s, 6 times.
//   java [flags] bench/Gcm.java SIZE inplace|copy aad|noaad [encrypt|decrypt]   e.g. 32800 inplace aad (a full SSH packet)
// decrypt opens one sealed packet over and over (same IV; harmless when decrypting): "inplace" first copies the
// sealed packet back into the buffer it decrypts in place (MINA's way, plus the copy the loop needs), "copy"
// decrypts into a second array and copies the plaintext back (OutOfPlaceGcmCipher's way): one copy each.
import javax.crypto.*;
import javax.crypto.spec.*;
import java.util.*;
public class Gcm {
    public static void main(String[] a) throws Exception {
        int size = Integer.parseInt(a[0]); boolean inPlace = a[1].equals("inplace"); boolean aad = a[2].equals("aad");
        boolean decrypt = a.length > 3 && a[3].equals("decrypt");
        byte[] key = new byte[16]; byte[] iv = new byte[12];
        SecretKeySpec k = new SecretKeySpec(key, "AES");
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        byte[] buf = new byte[size + 64]; byte[] out = new byte[size + 64];
        byte[] sealed = null;
        if (decrypt) {
            c.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(128, iv));
            if (aad) c.updateAAD(buf, 0, 4);
            sealed = buf.clone();
            c.doFinal(buf, 4, size - 4, sealed, 4);   // size - 4 bytes of ciphertext, then the 16-byte tag
        }
        long counter = 0;
        for (int round = 0; round < 6; round++) {
            long t0 = System.nanoTime(); long bytes = 0;
            while (System.nanoTime() - t0 < 2_000_000_000L) {
                if (decrypt) {
                    c.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(128, iv.clone()));
                    if (aad) c.updateAAD(sealed, 0, 4);
                    if (inPlace) {
                        System.arraycopy(sealed, 4, buf, 4, size + 12);
                        c.doFinal(buf, 4, size + 12, buf, 4);
                    } else {
                        int n = c.doFinal(sealed, 4, size + 12, out, 0);
                        System.arraycopy(out, 0, buf, 4, n);
                    }
                    bytes += size;
                    continue;
                }
                counter++; iv[11] = (byte) counter; iv[10] = (byte) (counter >> 8); iv[9] = (byte) (counter >> 16);
                c.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(128, iv.clone()));
                if (aad) c.updateAAD(buf, 0, 4);
                if (inPlace) c.doFinal(buf, 4, size - 4, buf, 4); else c.doFinal(buf, 4, size - 4, out, 4);
                bytes += size;
            }
            System.out.printf("%s size=%d %s %s %s: %.0f MB/s%n", System.getProperty("java.version"), size, a[1], a[2],
                    decrypt ? "decrypt" : "encrypt", bytes / ((System.nanoTime() - t0) / 1e3));
        }
    }
}
