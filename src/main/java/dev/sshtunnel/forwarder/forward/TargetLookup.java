package dev.sshtunnel.forwarder.forward;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

import dev.sshtunnel.config.policy.TargetPolicy;
import dev.sshtunnel.untrusted.UntrustedText;

/**
 * Resolves a target off the I/O threads and judges every address it resolves to by the {@link TargetPolicy},
 * before anything connects: the address handed on is one of those judged, so a second lookup (DNS rebinding) cannot
 * swap in another.
 */
final class TargetLookup {

    /** What became of the lookup. */
    sealed interface Result permits Reachable, NotAllowed, NotFound {
    }

    /** Every address is allowed; connect to {@code address} (the first, as InetAddress.getByName would pick). */
    record Reachable(InetAddress address) implements Result {
    }

    /** An address is denied: {@code message} names it, the rule and what to change. */
    record NotAllowed(String message) implements Result {
    }

    /** The name does not resolve here. */
    record NotFound(String message) implements Result {
    }

    private TargetLookup() {
    }

    /** Looks {@code host} up on {@code resolver} and hands the result to {@code then} there. */
    static void resolve(TargetPolicy policy, String host, Executor resolver, Consumer<Result> then) {
        try {
            resolver.execute(() -> then.accept(judge(policy, host)));
        } catch (RejectedExecutionException stopping) {
            then.accept(new NotFound("the forwarder is stopping"));
        }
    }

    /** Blocks for the lookup of a name; a literal is parsed, not looked up. */
    static Result judge(TargetPolicy policy, String host) {
        List<InetAddress> addresses;
        try {
            addresses = List.of(InetAddress.getAllByName(host));
        } catch (UnknownHostException | SecurityException e) {
            return new NotFound("cannot resolve " + UntrustedText.clean(host, UntrustedText.FIELD) + " in the forwarder");
        }
        Optional<String> refusal = policy.refusal(UntrustedText.clean(host, UntrustedText.FIELD), addresses);
        if (refusal.isPresent()) {
            return new NotAllowed(refusal.get());
        }
        return new Reachable(addresses.get(0));
    }
}
