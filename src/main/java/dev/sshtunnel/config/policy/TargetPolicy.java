package dev.sshtunnel.config.policy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a Remote forward's target or a Dynamic (SOCKS) forward's destination may resolve to (issue 25's guard rail
 * "Remote targets and SOCKS destinations"): no address in a denied block, and, when there is an allow list, every
 * address in an allowed block. Judged on the addresses a name resolves to, before any connection, so that a name
 * pointing into a denied block (localhost, a wildcard DNS name) is refused like the literal.
 *
 * <p>The operator renders its settings (sshtunnel.guard-rails.denied-targets, allowed-targets, deny-api-server) into
 * the forwarder's arguments; a hand run of {@code forward} without them has no policy ({@link #OPEN}).
 */
public final class TargetPolicy {

    /** The setting each block comes from, named in a refusal so that it says what to change. */
    public enum Rule {
        DENIED_TARGETS("sshtunnel.guard-rails.denied-targets", "--denied-targets"),
        DENY_API_SERVER("sshtunnel.guard-rails.deny-api-server", "--api-server-targets"),
        ALLOWED_TARGETS("sshtunnel.guard-rails.allowed-targets", "--allowed-targets");

        /** The operator's setting. */
        public final String setting;
        /** The forwarder's option that carries it into the pod. */
        public final String option;

        Rule(String setting, String option) {
            this.setting = setting;
            this.option = option;
        }
    }

    /** The word that, alone, means "no deny list" in denied-targets. */
    public static final String NONE = "none";

    /** No deny list, no allow list: today's behaviour of a hand run. */
    public static final TargetPolicy OPEN = new TargetPolicy(List.of(), List.of(), Optional.empty());

    private final List<Cidr> denied;
    private final List<Cidr> apiServer;
    private final Optional<List<Cidr>> allowed;

    private TargetPolicy(List<Cidr> denied, List<Cidr> apiServer, Optional<List<Cidr>> allowed) {
        this.denied = List.copyOf(denied);
        this.apiServer = List.copyOf(apiServer);
        this.allowed = allowed.map(List::copyOf);
    }

    /**
     * denied: CIDRs or bare addresses ({@code none} alone: none); apiServer: the API server's addresses, denied as
     * their own rule; allowed: when present, the only blocks a target may resolve to. Throws
     * IllegalArgumentException naming the entry that is not a CIDR.
     */
    public static TargetPolicy of(List<String> denied, List<String> apiServer, Optional<List<String>> allowed) {
        return new TargetPolicy(parse(Rule.DENIED_TARGETS, denied), parse(Rule.DENY_API_SERVER, apiServer),
                allowed.map(list -> parse(Rule.ALLOWED_TARGETS, list)));
    }

    private static List<Cidr> parse(Rule rule, List<String> entries) {
        List<String> listed = entries.stream().map(String::trim).filter(e -> !e.isEmpty()).toList();
        if (rule == Rule.DENIED_TARGETS && listed.size() == 1 && listed.get(0).equalsIgnoreCase(NONE)) {
            return List.of();
        }
        List<Cidr> out = new ArrayList<>();
        for (String entry : listed) {
            try {
                out.add(Cidr.parse(entry));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(rule.setting + ": " + e.getMessage()
                        + (rule == Rule.DENIED_TARGETS && entry.equalsIgnoreCase(NONE) ? " ('none' must be the only entry)" : ""), e);
            }
        }
        return out;
    }

    /** No rule at all: names may go to the SSH server unresolved, as with ssh -D. */
    public boolean isOpen() {
        return denied.isEmpty() && apiServer.isEmpty() && allowed.isEmpty();
    }

    public List<Cidr> denied() {
        return denied;
    }

    public List<Cidr> apiServer() {
        return apiServer;
    }

    public Optional<List<Cidr>> allowed() {
        return allowed;
    }

    /** Why {@code target} may not be reached at {@code resolved} (every address it resolved to), or empty if it may. */
    public Optional<String> refusal(String target, List<InetAddress> resolved) {
        for (InetAddress address : resolved) {
            Optional<String> refused = refusal(reached(address));
            if (refused.isPresent()) {
                String literal = address.getHostAddress();
                String shown = literal + (address.isAnyLocalAddress() ? " (this host, reached as "
                        + reached(address).getHostAddress() + ")" : "");
                String subject = literal.equals(target) ? "target " + shown : "target " + target + " resolves to " + shown;
                return Optional.of(subject + ", " + refused.get());
            }
        }
        return Optional.empty();
    }

    /**
     * The address a connection to {@code address} reaches: the unspecified address (0.0.0.0, ::) connects to the
     * host itself on Linux, so it is judged as the loopback address of its family.
     */
    static InetAddress reached(InetAddress address) {
        if (!address.isAnyLocalAddress()) {
            return address;
        }
        return Cidr.canonical(address).length == 4 ? InetAddress.getLoopbackAddress() : LOOPBACK6;
    }

    private static final InetAddress LOOPBACK6 = loopback6();

    private static InetAddress loopback6() {
        byte[] bytes = new byte[16];
        bytes[15] = 1;
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private Optional<String> refusal(InetAddress address) {
        for (Cidr block : denied) {
            if (block.contains(address)) {
                return Optional.of("which is in " + block + " of the denied targets (" + Rule.DENIED_TARGETS.setting
                        + "); no connection was made. Use another target, or ask the operator's admin to remove "
                        + block + " from that setting");
            }
        }
        for (Cidr block : apiServer) {
            if (block.contains(address)) {
                return Optional.of("which is an address of the Kubernetes API server (" + Rule.DENY_API_SERVER.setting
                        + "=true); no connection was made. Use another target, or ask the operator's admin to set it to false");
            }
        }
        if (allowed.isPresent() && allowed.get().stream().noneMatch(block -> block.contains(address))) {
            return Optional.of("which is outside the allowed targets (" + Rule.ALLOWED_TARGETS.setting + ": "
                    + allowed.get().stream().map(Cidr::toString).collect(Collectors.joining(", "))
                    + "); no connection was made. Use a target in those blocks, or ask the operator's admin to widen that setting");
        }
        return Optional.empty();
    }
}
