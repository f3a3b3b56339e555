package dev.sshtunnel.operator.gate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IpLiteralTest {

    @Test
    void literalsBecomeSingleAddressCidrsInCanonicalForm() {
        assertThat(IpLiteral.cidrOf("192.0.2.10")).contains("192.0.2.10/32");
        assertThat(IpLiteral.cidrOf("2001:db8::10")).contains("2001:db8::10/128");
        assertThat(IpLiteral.cidrOf("[2001:DB8:0:0:1:0:0:1]")).contains("2001:db8::1:0:0:1/128");
        assertThat(IpLiteral.cidrOf("::1")).contains("::1/128");
        assertThat(IpLiteral.cidrOf("fe80::")).contains("fe80::/128");
        assertThat(IpLiteral.cidrOf("2001:db8:1:2:3:4:5:6")).contains("2001:db8:1:2:3:4:5:6/128");
    }

    @Test
    void namesAreNotResolved() {
        assertThat(IpLiteral.cidrOf("bastion.example.com")).isEmpty();
        assertThat(IpLiteral.cidrOf("localhost")).isEmpty();
        assertThat(IpLiteral.cidrOf("10.0.0")).isEmpty();
        assertThat(IpLiteral.cidrOf(null)).isEmpty();
    }
}
