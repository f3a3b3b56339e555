package dev.sshtunnel.forwarder.session;

import java.security.PublicKey;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The AcceptNew decisions of one forwarder process: per endpoint (its known_hosts name, [host]:port),
 * the first key a session accepted. Every session of the pool, and every pool that later replaces it,
 * asks here, so the process trusts on first use once, as OpenSSH's known_hosts does: a second session
 * that meets another key refuses it instead of trusting it on its own.
 */
public final class FirstUseHostKeys {

    private final Map<String, PublicKey> accepted = new ConcurrentHashMap<>();

    /** The key accepted first for {@code endpoint}: {@code presented} itself when it is the first. */
    PublicKey firstFor(String endpoint, PublicKey presented) {
        return accepted.computeIfAbsent(endpoint, name -> presented);
    }
}
