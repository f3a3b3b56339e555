package dev.sshtunnel.api.v1alpha1;

import java.util.List;

/**
 * The one rule for a bastion's remote.ports entries: "443" or "8000-8999". CEL checks the shape at apply
 * ({@link #ENTRY}); {@link #contains} is what the operator grants by.
 */
public final class PortRanges {

    static final String ENTRY = "^[0-9]{1,5}(-[0-9]{1,5})?$";

    private PortRanges() {
    }

    /** Whether some entry covers the port; an entry outside 1-65535 or a reversed range covers nothing. */
    public static boolean contains(List<String> entries, int port) {
        for (String entry : entries) {
            if (entry == null || !entry.matches(ENTRY)) {
                continue;
            }
            int dash = entry.indexOf('-');
            int low = Integer.parseInt(dash < 0 ? entry : entry.substring(0, dash));
            int high = dash < 0 ? low : Integer.parseInt(entry.substring(dash + 1));
            if (low >= 1 && high <= 65535 && low <= port && port <= high) {
                return true;
            }
        }
        return false;
    }
}
