package dev.sshtunnel.forwarder.session;

import java.util.Locale;

import org.apache.sshd.client.config.hosts.KnownHostEntry;

/**
 * Whether a known_hosts line names a host as OpenSSH decides it: the name looked up is the host
 * itself on port 22 and {@code [host]:port} otherwise; each comma-separated pattern is a glob
 * ({@code *}, {@code ?}) matched against that name without case, and a matching {@code !pattern}
 * excludes the line. So {@code *} also covers {@code [host]:2222} (MINA's own matching does not),
 * and {@code 10.0.0.*} does not. Hashed entries are left to MINA, which hashes the same name.
 */
final class OpenSshHostPatterns {

    private OpenSshHostPatterns() {
    }

    static boolean matches(KnownHostEntry entry, String host, int port) {
        if (entry.getHashedEntry() != null) {
            return entry.isHostMatch(host, port);
        }
        String[] fields = entry.getConfigLine().trim().split("\\s+");
        String patterns = fields[0].startsWith("@") ? fields[1] : fields[0];
        String name = (port == 22 ? host : "[" + host + "]:" + port).toLowerCase(Locale.ROOT);
        boolean matched = false;
        for (String pattern : patterns.split(",")) {
            boolean negated = pattern.startsWith("!");
            String glob = (negated ? pattern.substring(1) : pattern).toLowerCase(Locale.ROOT);
            if (glob(glob, name)) {
                if (negated) {
                    return false;
                }
                matched = true;
            }
        }
        return matched;
    }

    /**
     * {@code *} and {@code ?} over the whole name, in O(pattern x name) at worst: on a mismatch only the
     * last {@code *} is tried one character further (an earlier one can never do better), where trying
     * every split of every {@code *} was exponential in their number (issue 24).
     */
    static boolean glob(String pattern, String name) {
        int p = 0;
        int n = 0;
        int star = -1;
        int starMatched = 0;
        while (n < name.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == name.charAt(n))) {
                p++;
                n++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                starMatched = n;
            } else if (star >= 0) {
                p = star + 1;
                n = ++starMatched;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
