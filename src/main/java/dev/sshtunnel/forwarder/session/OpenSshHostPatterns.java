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
            if (glob(glob, 0, name, 0)) {
                if (negated) {
                    return false;
                }
                matched = true;
            }
        }
        return matched;
    }

    private static boolean glob(String pattern, int p, String name, int n) {
        while (p < pattern.length()) {
            char c = pattern.charAt(p);
            if (c == '*') {
                for (int rest = n; rest <= name.length(); rest++) {
                    if (glob(pattern, p + 1, name, rest)) {
                        return true;
                    }
                }
                return false;
            }
            if (n >= name.length() || (c != '?' && c != name.charAt(n))) {
                return false;
            }
            p++;
            n++;
        }
        return n == name.length();
    }
}
