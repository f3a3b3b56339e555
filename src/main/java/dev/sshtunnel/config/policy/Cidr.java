package dev.sshtunnel.config.policy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An address block, IPv4 or IPv6, parsed without any DNS lookup. An IPv4 address is matched by IPv4 blocks and by
 * IPv4-mapped IPv6 blocks ({@code ::ffff:127.0.0.0/104} is {@code 127.0.0.0/8}); an IPv4-mapped IPv6 address
 * ({@code ::ffff:127.0.0.1}) is the IPv4 address it maps, as the kernel connects to it. Other IPv6 blocks match IPv6
 * addresses only ({@code ::/0} is every IPv6 address, not every address).
 */
public record Cidr(byte[] network, int prefix, String text) {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");
    private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

    /** "10.0.0.0/8", "fd00:ec2::254/128", or a bare address (a single-address block); host bits are cleared. */
    public static Cidr parse(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        boolean v6Text = address.contains(":");
        if (!(v6Text ? IPV6.matcher(address).matches() : isIpv4(address))) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR (such as 10.0.0.0/8 or fd00::/8)");
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(address).getAddress(); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR (such as 10.0.0.0/8 or fd00::/8)", e);
        }
        int max = v6Text ? 128 : 32;
        int prefix;
        try {
            prefix = slash < 0 ? max : Integer.parseInt(trimmed.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no prefix length after '/'", e);
        }
        if (prefix < 0 || prefix > max) {
            throw new IllegalArgumentException("'" + text + "': the prefix length must be 0 to " + max);
        }
        if (bytes.length == 4 && v6Text) {
            // Java hands back an IPv4-mapped literal as the IPv4 address it maps.
            if (prefix < 96) {
                bytes = mapped(bytes); // wider than the mapped range: an IPv6 block that also holds every IPv4 address
            } else {
                prefix -= 96;
            }
        }
        return new Cidr(mask(bytes, prefix), prefix, trimmed);
    }

    /** Dotted quad with every octet 0-255: anything else would reach InetAddress as a name, and be looked up. */
    private static boolean isIpv4(String address) {
        if (!IPV4.matcher(address).matches()) {
            return false;
        }
        for (String octet : address.split("\\.")) {
            if (Integer.parseInt(octet) > 255) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code address} is in this block (IPv4-mapped IPv6 addresses count as IPv4). */
    public boolean contains(InetAddress address) {
        byte[] bytes = canonical(address);
        byte[] block = network;
        if (bytes.length != block.length) {
            if (block.length == 16 && bytes.length == 4 && prefix < 96) {
                bytes = mapped(bytes); // ::/0, ::ffff:0:0/80 and the like hold the mapped form of every IPv4 address
            } else {
                return false;
            }
        }
        return Arrays.equals(mask(bytes, prefix), block);
    }

    /** The 4-byte form of an IPv4 or IPv4-mapped IPv6 address, the 16-byte form of any other. */
    static byte[] canonical(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address && Arrays.equals(Arrays.copyOf(bytes, 12), MAPPED_PREFIX)) {
            return Arrays.copyOfRange(bytes, 12, 16);
        }
        return bytes;
    }

    private static byte[] mapped(byte[] v4) {
        byte[] out = Arrays.copyOf(MAPPED_PREFIX, 16);
        System.arraycopy(v4, 0, out, 12, 4);
        return out;
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            out[i] &= (byte) (0xff << (8 - keep));
        }
        return out;
    }

    /** The block as written ("127.0.0.0/8"), for messages and for the forwarder's arguments. */
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr cidr && cidr.prefix == prefix && Arrays.equals(cidr.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }
}
