package dev.sshtunnel.api.v1alpha1;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The one rule for a bastion's local.targets entries, HOST:PORT: HOST a name, {@code *.suffix}, an IP address or a
 * CIDR (IPv6 in brackets), PORT a number or {@code *}. A target matches as written in the forward: the bastion
 * resolves names, the cluster never does, so a CIDR covers IP-literal targets only and a name covers only itself.
 */
public final class LocalTargets {

    /** The shape CEL checks at apply; {@link #matches} parses the rest. */
    static final String ENTRY = "^(\\\\*\\\\.)?[A-Za-z0-9.:\\\\[\\\\]/_-]{1,280}:([0-9]{1,5}|\\\\*)$";

    private LocalTargets() {
    }

    /** Whether some entry allows host:port. */
    public static boolean allows(List<String> entries, String host, int port) {
        return entries.stream().anyMatch(entry -> matches(entry, host, port));
    }

    static boolean matches(String entry, String host, int port) {
        int colon = entry.lastIndexOf(':');
        if (colon <= 0) {
            return false;
        }
        String portPart = entry.substring(colon + 1);
        if (!portPart.equals("*") && !portPart.equals(Integer.toString(port))) {
            return false;
        }
        String hostPart = entry.substring(0, colon);
        if (hostPart.startsWith("[") && hostPart.endsWith("]")) {
            hostPart = hostPart.substring(1, hostPart.length() - 1);
        }
        String target = host.toLowerCase(Locale.ROOT);
        if (target.startsWith("[") && target.endsWith("]")) {
            target = target.substring(1, target.length() - 1);
        }
        if (hostPart.startsWith("*.")) {
            String suffix = hostPart.substring(1).toLowerCase(Locale.ROOT);
            return target.endsWith(suffix) && target.length() > suffix.length() && ipLiteral(target).isEmpty();
        }
        if (hostPart.contains("/")) {
            return inCidr(hostPart, target);
        }
        Optional<byte[]> entryAddress = ipLiteral(hostPart);
        if (entryAddress.isPresent()) {
            return ipLiteral(target).map(a -> Arrays.equals(a, entryAddress.get())).orElse(false);
        }
        return hostPart.toLowerCase(Locale.ROOT).equals(target);
    }

    private static boolean inCidr(String cidr, String target) {
        int slash = cidr.indexOf('/');
        Optional<byte[]> network = ipLiteral(cidr.substring(0, slash));
        Optional<byte[]> address = ipLiteral(target);
        if (network.isEmpty() || address.isEmpty() || network.get().length != address.get().length) {
            return false;
        }
        int bits;
        try {
            bits = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        int width = network.get().length * 8;
        if (bits < 0 || bits > width) {
            return false;
        }
        BigInteger mask = bits == 0 ? BigInteger.ZERO
                : BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE).shiftLeft(width - bits);
        return new BigInteger(1, network.get()).and(mask).equals(new BigInteger(1, address.get()).and(mask));
    }

    /** The bytes of an IP literal; empty for a name (never resolved: InetAddress only parses literals here). */
    static Optional<byte[]> ipLiteral(String text) {
        boolean v4 = text.matches("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$");
        boolean v6 = text.contains(":") && text.matches("^[0-9A-Fa-f:.]+$");
        if (!v4 && !v6) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(text).getAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
