package dev.sshtunnel.api.v1alpha1;

import java.util.regex.Pattern;

/**
 * The one rule for a host field the tunnel sends to a server or writes into an authorized_keys line: a host
 * name or an IP literal, nothing else. CEL (RE2) and {@link java.util.regex.Pattern} read these expressions alike,
 * so the CRD refuses at {@code kubectl apply} exactly what {@link #isHostOrAddress} refuses in code.
 */
public final class HostName {

    static final String NAME = "^[A-Za-z0-9]([-A-Za-z0-9._]*[A-Za-z0-9])?$";
    static final String ADDRESS = "^[0-9A-Fa-f:.]+$";
    /** The CEL rule on every such field. */
    static final String RULE = "self.matches('" + NAME + "') || self.matches('" + ADDRESS + "')";
    /** The same rule on every item of a list field. */
    static final String EVERY_ITEM_RULE = "self.all(h, h.matches('" + NAME + "') || h.matches('" + ADDRESS + "'))";

    private static final Pattern NAME_PATTERN = Pattern.compile(NAME);
    private static final Pattern ADDRESS_PATTERN = Pattern.compile(ADDRESS);

    private HostName() {
    }

    public static boolean isHostOrAddress(String host) {
        return host != null && (NAME_PATTERN.matcher(host).matches() || ADDRESS_PATTERN.matcher(host).matches());
    }
}
