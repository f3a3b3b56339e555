// AES-128-GCM as MINA uses it for SSH packets (a new IV per packet, 4 bytes of AAD, one doFinal), in a
// loop: what the JDK's cipher does without the forwarder around it. Prints MB/s every 2 s, 6 times.
//   java [flags] bench/Gcm.java SIZE inplace|copy aad|noaad      e.g. 32800 inplace aad (a full SSH packet)
import javax.crypto.*;
import javax.crypto.spec.*;
import java.util.*;
public class Gcm {
    public static void main(String[] a) throws Exception {
        int size = Integer.parseInt(a[0]); boolean inPlace = a[1].equals("inplace"); boolean aad = a[2].equals("aad");
        byte[] key = new byte[16]; byte[] iv = new byte[12];
        SecretKeySpec k = new SecretKeySpec(key, "AES");
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        byte[] buf = new byte[size + 64]; byte[] out = new byte[size + 64];
        long counter = 0;
        for (int round = 0; round < 6; round++) {
            long t0 = System.nanoTime(); long bytes = 0;
            while (System.nanoTime() - t0 < 2_000_000_000L) {
                counter++; iv[11] = (byte) counter; iv[10] = (byte) (counter >> 8); iv[9] = (byte) (counter >> 16);
                c.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(128, iv.clone()));
                if (aad) c.updateAAD(buf, 0, 4);
                if (inPlace) c.doFinal(buf, 4, size - 4, buf, 4); else c.doFinal(buf, 4, size - 4, out, 4);
                bytes += size;
            }
            System.out.printf("%s size=%d %s %s: %.0f MB/s%n", System.getProperty("java.version"), size, a[1], a[2], bytes / ((System.nanoTime() - t0) / 1e3));
        }
    }
}
