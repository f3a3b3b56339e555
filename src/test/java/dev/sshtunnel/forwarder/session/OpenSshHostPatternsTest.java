package dev.sshtunnel.forwarder.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;

import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.junit.jupiter.api.Test;

/** known_hosts host patterns as OpenSSH's match_hostname: globs, negation, no case, [host]:port. */
class OpenSshHostPatternsTest {

    private static final String KEY = " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

    private static boolean matches(String patterns, String host, int port) {
        return OpenSshHostPatterns.matches(KnownHostEntry.parseKnownHostEntry(patterns + KEY), host, port);
    }

    @Test
    void globsMatchTheWholeNameWithoutCase() {
        assertThat(matches("bastion.example.com", "Bastion.Example.COM", 22)).isTrue();
        assertThat(matches("*.example.com", "bastion.example.com", 22)).isTrue();
        assertThat(matches("*.example.com", "example.com", 22)).isFalse();
        assertThat(matches("bastion?.example.com", "bastion1.example.com", 22)).isTrue();
        assertThat(matches("bastion?.example.com", "bastion.example.com", 22)).isFalse();
        assertThat(matches("bastion?.example.com", "bastion12.example.com", 22)).isFalse();
        assertThat(matches("*", "anything", 22)).isTrue();
        assertThat(matches("b*n*n", "bastion", 22)).isFalse();
        assertThat(matches("b*n*n", "bastionnn", 22)).isTrue();
        assertThat(matches("**b**", "b", 22)).isTrue();
        assertThat(matches("a*", "", 22)).isFalse();
    }

    @Test
    void aPortOtherThan22IsPartOfTheNameMatched() {
        assertThat(matches("[bastion]:2222", "bastion", 2222)).isTrue();
        assertThat(matches("bastion", "bastion", 2222)).isFalse();
        assertThat(matches("*", "bastion", 2222)).isTrue();
        assertThat(matches("10.0.0.*", "10.0.0.1", 2222)).isFalse();
        assertThat(matches("[10.0.0.?]:2222", "10.0.0.1", 2222)).isTrue();
    }

    @Test
    void aMatchingNegationExcludesTheLine() {
        assertThat(matches("*.example.com,!evil.example.com", "bastion.example.com", 22)).isTrue();
        assertThat(matches("*.example.com,!evil.example.com", "EVIL.example.com", 22)).isFalse();
        assertThat(matches("!evil.example.com", "bastion.example.com", 22)).isFalse(); // negation alone matches nothing
    }

    @Test
    void manyStarsCostLinearTimeNotExponential() {
        // Tried split by split (the old matcher), this took 52.6 s at 32 characters, about 4x more per 2 more.
        String pattern = "*a".repeat(16) + "*b";
        String host = "a".repeat(60);
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            assertThat(matches(pattern, host, 22)).isFalse();
            assertThat(matches(pattern, host + "b", 22)).isTrue();
            assertThat(matches(pattern + "," + pattern.toUpperCase() + "?", host + "bb", 22)).isTrue();
        });
    }
}
