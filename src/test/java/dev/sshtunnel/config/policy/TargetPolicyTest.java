package dev.sshtunnel.config.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class TargetPolicyTest {

    /** The defaults of OperatorConfig.GuardRails.deniedTargets. */
    private static final List<String> DEFAULT_DENIED = List.of("169.254.0.0/16", "fd00:ec2::254/128", "127.0.0.0/8", "::1/128");

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal); // literals only: no lookup
    }

    private static Optional<String> judge(TargetPolicy policy, String literal) throws Exception {
        return policy.refusal(literal, List.of(ip(literal)));
    }

    @Test
    void theDefaultDenyListRefusesMetadataAndLoopbackAndNothingElse() throws Exception {
        TargetPolicy policy = TargetPolicy.of(DEFAULT_DENIED, List.of(), Optional.empty());
        for (String denied : List.of("169.254.169.254", "169.254.0.0", "169.254.255.255", "127.0.0.1", "127.255.255.255",
                "127.0.0.0", "::1", "fd00:ec2::254")) {
            assertThat(judge(policy, denied)).as(denied).isPresent();
        }
        for (String allowed : List.of("169.253.255.255", "169.255.0.0", "126.255.255.255", "128.0.0.0", "10.0.0.1", "::2",
                "fd00:ec2::253", "fd00:ec2::255", "2001:db8::1")) {
            assertThat(judge(policy, allowed)).as(allowed).isEmpty();
        }
    }

    @Test
    void ipv4MappedIpv6AddressesAreJudgedAsTheIpv4AddressTheyMap() throws Exception {
        TargetPolicy policy = TargetPolicy.of(DEFAULT_DENIED, List.of(), Optional.empty());
        InetAddress mapped = Inet6Address.getByAddress(null,
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 169, (byte) 254, (byte) 169, (byte) 254}, -1);
        assertThat(policy.refusal("x", List.of(mapped))).get().asString().contains("169.254.0.0/16");
        assertThat(judge(policy, "::ffff:127.0.0.1")).isPresent();
        assertThat(judge(policy, "::ffff:10.0.0.1")).isEmpty();
        // IPv4-compatible (::a.b.c.d, deprecated) is not mapped: the kernel does not reach 127.0.0.1 through it.
        assertThat(judge(policy, "::127.0.0.1")).isEmpty();
    }

    @Test
    void ipv4MappedBlocksMatchIpv4AddressesAndOtherIpv6BlocksDoNot() throws Exception {
        TargetPolicy mappedBlock = TargetPolicy.of(List.of("::ffff:127.0.0.0/104"), List.of(), Optional.empty());
        assertThat(judge(mappedBlock, "127.9.9.9")).isPresent();
        assertThat(judge(mappedBlock, "128.0.0.1")).isEmpty();
        TargetPolicy allIpv6 = TargetPolicy.of(List.of("2000::/3"), List.of(), Optional.empty());
        assertThat(judge(allIpv6, "2001:db8::1")).isPresent();
        assertThat(judge(allIpv6, "8.8.8.8")).isEmpty();
        // A block wider than the mapped range holds the mapped form of every IPv4 address.
        TargetPolicy everything6 = TargetPolicy.of(List.of("::/0"), List.of(), Optional.empty());
        assertThat(judge(everything6, "10.1.2.3")).isPresent();
    }

    @Test
    void theUnspecifiedAddressIsJudgedAsTheLoopbackItReaches() throws Exception {
        TargetPolicy policy = TargetPolicy.of(DEFAULT_DENIED, List.of(), Optional.empty());
        assertThat(policy.refusal("zero.example", List.of(ip("0.0.0.0")))).get().asString()
                .contains("resolves to 0.0.0.0 (this host, reached as 127.0.0.1)").contains("127.0.0.0/8");
        assertThat(judge(policy, "::")).get().asString().contains("::1/128");
        TargetPolicy onlyV6Loopback = TargetPolicy.of(List.of("::1/128"), List.of(), Optional.empty());
        assertThat(judge(onlyV6Loopback, "0.0.0.0")).isEmpty();
    }

    @Test
    void edgePrefixesAndHostBits() throws Exception {
        TargetPolicy all4 = TargetPolicy.of(List.of("0.0.0.0/0"), List.of(), Optional.empty());
        assertThat(judge(all4, "1.2.3.4")).isPresent();
        assertThat(judge(all4, "2001:db8::1")).isEmpty();
        TargetPolicy one = TargetPolicy.of(List.of("10.0.0.7"), List.of(), Optional.empty());
        assertThat(judge(one, "10.0.0.7")).isPresent();
        assertThat(judge(one, "10.0.0.6")).isEmpty();
        TargetPolicy hostBits = TargetPolicy.of(List.of("10.1.2.3/8"), List.of(), Optional.empty());
        assertThat(judge(hostBits, "10.200.0.1")).isPresent();
        assertThat(judge(hostBits, "11.0.0.0")).isEmpty();
        TargetPolicy oddPrefix = TargetPolicy.of(List.of("192.0.2.128/25", "2001:db8::/127"), List.of(), Optional.empty());
        assertThat(judge(oddPrefix, "192.0.2.128")).isPresent();
        assertThat(judge(oddPrefix, "192.0.2.255")).isPresent();
        assertThat(judge(oddPrefix, "192.0.2.127")).isEmpty();
        assertThat(judge(oddPrefix, "2001:db8::1")).isPresent();
        assertThat(judge(oddPrefix, "2001:db8::2")).isEmpty();
    }

    @Test
    void anyResolvedAddressInADeniedBlockRefusesTheTargetAndTheMessageSaysWhatToChange() throws Exception {
        TargetPolicy policy = TargetPolicy.of(DEFAULT_DENIED, List.of(), Optional.empty());
        Optional<String> refusal = policy.refusal("sneaky.example", List.of(ip("10.0.0.1"), ip("127.0.0.1")));
        assertThat(refusal).get().asString()
                .contains("sneaky.example resolves to 127.0.0.1")
                .contains("127.0.0.0/8")
                .contains("sshtunnel.guard-rails.denied-targets")
                .contains("no connection was made");
    }

    @Test
    void theApiServersAddressesAreARuleOfTheirOwn() throws Exception {
        TargetPolicy policy = TargetPolicy.of(List.of(TargetPolicy.NONE), List.of("10.96.0.1", "192.0.2.10"), Optional.empty());
        assertThat(judge(policy, "10.96.0.1")).get().asString().contains("sshtunnel.guard-rails.deny-api-server");
        assertThat(judge(policy, "10.96.0.2")).isEmpty();
        assertThat(policy.isOpen()).isFalse();
    }

    @Test
    void anAllowListNarrowsAndTheDenyListStillApplies() throws Exception {
        TargetPolicy policy = TargetPolicy.of(List.of("10.0.5.0/24"), List.of(), Optional.of(List.of("10.0.0.0/16", "fd00::/8")));
        assertThat(judge(policy, "10.0.1.1")).isEmpty();
        assertThat(judge(policy, "fd12::1")).isEmpty();
        assertThat(judge(policy, "10.1.0.1")).get().asString().contains("outside the allowed targets")
                .contains("sshtunnel.guard-rails.allowed-targets").contains("10.0.0.0/16, fd00::/8");
        assertThat(judge(policy, "10.0.5.9")).get().asString().contains("10.0.5.0/24");
        // An empty allow list allows nothing.
        TargetPolicy nothing = TargetPolicy.of(List.of(TargetPolicy.NONE), List.of(), Optional.of(List.of()));
        assertThat(judge(nothing, "10.0.1.1")).isPresent();
    }

    @Test
    void noneAloneIsNoDenyListAndOpenIsTodaysBehaviour() throws Exception {
        TargetPolicy none = TargetPolicy.of(List.of("none"), List.of(), Optional.empty());
        assertThat(none.isOpen()).isTrue();
        assertThat(judge(none, "127.0.0.1")).isEmpty();
        assertThat(TargetPolicy.OPEN.isOpen()).isTrue();
        assertThat(judge(TargetPolicy.OPEN, "169.254.169.254")).isEmpty();
        assertThat(TargetPolicy.of(List.of(), List.of(), Optional.empty()).isOpen()).isTrue();
    }

    @Test
    void entriesThatAreNotCidrsAreRefusedByName() {
        assertThatThrownBy(() -> TargetPolicy.of(List.of("127.0.0.0/8", "none"), List.of(), Optional.empty()))
                .hasMessageContaining("'none' must be the only entry");
        assertThatThrownBy(() -> TargetPolicy.of(List.of("localhost"), List.of(), Optional.empty()))
                .hasMessageContaining("sshtunnel.guard-rails.denied-targets").hasMessageContaining("'localhost' is not a CIDR");
        assertThatThrownBy(() -> TargetPolicy.of(List.of("10.0.0.0/33"), List.of(), Optional.empty()))
                .hasMessageContaining("0 to 32");
        assertThatThrownBy(() -> TargetPolicy.of(List.of("::1/129"), List.of(), Optional.empty()))
                .hasMessageContaining("0 to 128");
        assertThatThrownBy(() -> TargetPolicy.of(List.of("10.0.0.0/x"), List.of(), Optional.empty()))
                .hasMessageContaining("no prefix length");
        assertThatThrownBy(() -> TargetPolicy.of(List.of(), List.of(), Optional.of(List.of("10.0.0.0/8", "300.1.1.1"))))
                .hasMessageContaining("sshtunnel.guard-rails.allowed-targets").hasMessageContaining("300.1.1.1");
        assertThatThrownBy(() -> TargetPolicy.of(List.of("fe80::1%eth0"), List.of(), Optional.empty()))
                .hasMessageContaining("not a CIDR");
    }
}
