package dev.sshtunnel.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.api.v1alpha1.TargetSpec;

class AuthorizedKeysOptionsTest {

    private static ForwardSpec forward(ForwardType type, Integer port, String bindAddress, String host, Integer targetPort) {
        ForwardSpec forward = new ForwardSpec();
        forward.setName(type.name().toLowerCase());
        forward.setType(type);
        forward.setPort(port);
        forward.setBindAddress(bindAddress);
        if (host != null) {
            forward.setTarget(new TargetSpec(host, targetPort));
        }
        return forward;
    }

    @Test
    void localForwardsAreLimitedToTheirTargets() {
        assertThat(AuthorizedKeysOptions.of(List.of(forward(ForwardType.Local, 5432, null, "db.internal", 5432),
                forward(ForwardType.Local, 6379, null, "fd00::7", 6379), forward(ForwardType.Local, 5433, null, "db.internal", 5432))))
                .hasValue("restrict,command=\"/bin/false\",port-forwarding,permitopen=\"db.internal:5432\",permitopen=\"[fd00::7]:6379\"");
    }

    @Test
    void remoteForwardsAreLimitedToTheirListenAddressesAndPortZeroToAnyPort() {
        assertThat(AuthorizedKeysOptions.of(List.of(forward(ForwardType.Remote, 8080, null, "web", 80),
                forward(ForwardType.Remote, 0, "127.0.0.1", "web", 80))))
                .hasValue("restrict,command=\"/bin/false\",port-forwarding,permitlisten=\"localhost:8080\",permitlisten=\"127.0.0.1:*\"");
    }

    @Test
    void aDynamicForwardNeedsEveryTargetSoNoPermitopen() {
        assertThat(AuthorizedKeysOptions.of(List.of(forward(ForwardType.Local, 5432, null, "db.internal", 5432),
                forward(ForwardType.Dynamic, 1080, null, null, null))))
                .hasValue("restrict,command=\"/bin/false\",port-forwarding");
    }

    /** The CRD refuses these; a tunnel stored before it did gets no line rather than one an admin's paste extends. */
    @Test
    void aHostThatCouldBreakOutOfTheLineGivesNoLine() {
        String quote = "db\",command=\"sh";
        String newline = "db\nssh-ed25519 AAAAC3Nza attacker";
        assertThat(AuthorizedKeysOptions.of(List.of(forward(ForwardType.Local, 5432, null, quote, 5432)))).isEmpty();
        assertThat(AuthorizedKeysOptions.of(List.of(forward(ForwardType.Local, 5432, null, newline, 5432)))).isEmpty();
        assertThat(AuthorizedKeysOptions.of(List.of(forward(ForwardType.Remote, 8080, quote, "web", 80)))).isEmpty();
        assertThat(AuthorizedKeysOptions.of(List.of(forward(ForwardType.Remote, 8080, "0.0.0.0", "web", 80))))
                .hasValue("restrict,command=\"/bin/false\",port-forwarding,permitlisten=\"0.0.0.0:8080\"");
    }
}
