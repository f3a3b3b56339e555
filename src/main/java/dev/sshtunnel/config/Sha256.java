package dev.sshtunnel.config;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 and its lower-case hex form, defined once: the forwarder digests its tunnel document and
 * secret files with it, the operator names Events by it, tests check transfers with it. Every JVM has
 * SHA-256, so no caller handles {@link NoSuchAlgorithmException}.
 */
public final class Sha256 {

    private Sha256() {
    }

    /** A fresh digest to feed piece by piece. */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The SHA-256 of {@code data}, in hex. */
    public static String hex(byte[] data) {
        return HexFormat.of().formatHex(newDigest().digest(data));
    }

    /** Completes {@code fed} (which is reset) and returns its SHA-256 in hex. */
    public static String hex(MessageDigest fed) {
        return HexFormat.of().formatHex(fed.digest());
    }
}
