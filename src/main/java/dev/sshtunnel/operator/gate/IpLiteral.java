package dev.sshtunnel.operator.gate;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/** A host written as an IP address, as a single-address CIDR; a name (never resolved here) gives none. */
public final class IpLiteral {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private IpLiteral() {
    }

    /**
     * RFC 5952 text (the longest run of two or more zero groups as "::"), the form the API server
     * keeps; Java writes every group ("2001:db8:0:0:0:0:0:10").
     */
    static String canonical(String full) {
        String address = full.contains("%") ? full.substring(0, full.indexOf('%')) : full;
        String[] groups = address.split(":");
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length;) {
            int j = i;
            while (j < groups.length && groups[j].equals("0")) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        if (bestStart < 0) {
            return address;
        }
        String head = String.join(":", Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
        return head + "::" + tail;
    }

    /** "192.0.2.10" → "192.0.2.10/32", "2001:db8::10" → "2001:db8::10/128"; a DNS name → empty. */
    public static Optional<String> cidrOf(String host) {
        if (host == null) {
            return Optional.empty();
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        // Only literals reach InetAddress, which then parses them without a DNS lookup.
        if (!IPV4.matcher(bare).matches() && !bare.contains(":")) {
            return Optional.empty();
        }
        try {
            InetAddress address = InetAddress.getByName(bare);
            return Optional.of(address instanceof Inet6Address ? canonical(address.getHostAddress()) + "/128"
                    : address.getHostAddress() + "/32");
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
