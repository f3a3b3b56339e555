package dev.sshtunnel.untrusted;

/**
 * Text this program did not write — for the operator a forwarder pod's /status or an API server's
 * error message, for the forwarder what an SSH server sends (its version, a channel refusal's
 * description, a disconnect message) — on its way into status, Events and log lines: control and
 * format characters (newlines, ANSI escapes, bidi overrides) become spaces so one message stays one
 * line that reads as it is, and length is capped so a hostile or broken peer cannot bloat every
 * object that repeats it.
 */
public final class UntrustedText {

    /** An error message from a pod or the API server: long enough for any real one. */
    public static final int MESSAGE = 512;
    /** Short fields (server version, cipher, fingerprint, timestamps): RFC 4253 caps the version at 255. */
    public static final int FIELD = 255;
    /** metav1.Event's note limit in events.k8s.io/v1; core/v1 has none, so we keep to it. */
    public static final int EVENT_MESSAGE = 1024;

    private UntrustedText() {
    }

    public static String clean(String text, int maxLength) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), maxLength));
        for (int i = 0; i < text.length() && out.length() < maxLength;) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            int type = Character.getType(cp);
            boolean invisible = type == Character.CONTROL || type == Character.FORMAT
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                    || type == Character.SURROGATE || type == Character.UNASSIGNED;
            out.appendCodePoint(invisible ? ' ' : cp);
        }
        if (out.length() >= maxLength && text.length() > out.length()) {
            out.setLength(maxLength - 3);
            out.append("...");
        }
        return out.toString();
    }
}
