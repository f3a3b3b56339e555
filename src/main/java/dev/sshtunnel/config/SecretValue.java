package dev.sshtunnel.config;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Bytes read from a mounted Secret key. toString() never shows them, so a secret cannot reach a
 * log line, an exception message or /status by accident.
 */
public final class SecretValue {

    private final String source;
    private final byte[] bytes;

    public SecretValue(String source, byte[] bytes) {
        this.source = source;
        this.bytes = bytes.clone();
    }

    /** Where the value came from, e.g. "Secret bastion-key key id_ed25519"; safe to log. */
    public String source() {
        return source;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** The value as UTF-8 text with one trailing newline removed (how `kubectl create secret --from-file` stores passwords). */
    public String text() {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.endsWith("\r\n")) {
            return text.substring(0, text.length() - 2);
        }
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SecretValue that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "SecretValue[" + source + ", redacted]";
    }
}
