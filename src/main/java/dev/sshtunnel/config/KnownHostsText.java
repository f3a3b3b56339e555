package dev.sshtunnel.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.sshd.client.config.hosts.KnownHostEntry;

/**
 * The text of {@code hostKey.knownHosts}: known_hosts lines, blank lines and {@code #} comments.
 * One definition of what a valid line is, for the document loader, the forwarder and the operator.
 */
public final class KnownHostsText {

    private KnownHostsText() {
    }

    /** Every entry, in order; a line that is not a known_hosts entry is a {@link ConfigException} naming its number. */
    public static List<KnownHostEntry> parse(String text, String field) throws ConfigException {
        List<KnownHostEntry> entries = new ArrayList<>();
        if (text == null) {
            return entries;
        }
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String trimmed = lines[i].trim();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            KnownHostEntry entry;
            try {
                entry = KnownHostEntry.parseKnownHostEntry(trimmed);
            } catch (RuntimeException e) {
                entry = null;
            }
            if (entry == null || entry.getKeyEntry() == null) {
                throw new ConfigException(field + ": line " + (i + 1) + " is not a known_hosts entry (expected"
                        + " 'HOSTS KEYTYPE BASE64KEY', optionally after @cert-authority or @revoked; get lines with ssh-keyscan)");
            }
            entries.add(entry);
        }
        return entries;
    }

    /** What is wrong with the text, if anything: the message of {@link #parse}. */
    public static Optional<String> problem(String text, String field) {
        try {
            parse(text, field);
            return Optional.empty();
        } catch (ConfigException e) {
            return Optional.of(e.getMessage());
        }
    }
}
