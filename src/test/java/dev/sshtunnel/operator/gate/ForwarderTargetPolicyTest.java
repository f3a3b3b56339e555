package dev.sshtunnel.operator.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.operator.OperatorConfig;

/** How the guard-rail settings become forwarder arguments (the forwarder's side: TargetPolicyTest, TargetPolicyIT). */
class ForwarderTargetPolicyTest {

    /** The API server's addresses as read from the cluster (ApiServerAddresses' I/O is SshTunnelReconcilerIT's). */
    private static ApiServerAddresses apiServer(String... addresses) {
        return new ApiServerAddresses(null) {
            @Override
            public synchronized List<String> get() {
                return List.of(addresses);
            }
        };
    }

    private static OperatorConfig.GuardRails settings(List<String> denied, boolean denyApiServer, Optional<List<String>> allowed) {
        return new OperatorConfig.GuardRails() {
            public List<String> deniedTargets() { return denied; }
            public boolean denyApiServer() { return denyApiServer; }
            public Optional<List<String>> allowedTargets() { return allowed; }
            public List<String> serviceTypes() { return List.of("ClusterIP"); }
            public Optional<List<String>> serviceAnnotationPrefixes() { return Optional.empty(); }
            public boolean tenantScheduling() { return false; }
            public Optional<List<String>> podAnnotationPrefixes() { return Optional.empty(); }
            public String maxCpu() { return "2"; }
            public String maxMemory() { return "1Gi"; }
            public InlineSsh inlineSsh() { return InlineSsh.Allowed; }
            public boolean inlineSecretsNeedLabel() { return false; }
        };
    }

    @Test
    void everySettingBecomesAnArgument() {
        var policy = new ForwarderTargetPolicy(settings(List.of("169.254.0.0/16", " 10.0.0.0/8"), true,
                Optional.of(List.of("10.20.0.0/16", "fd00::/8"))), apiServer("10.96.0.1", "192.0.2.10"));
        assertThat(policy.arguments()).containsExactly("--denied-targets=169.254.0.0/16,10.0.0.0/8",
                "--api-server-targets=10.96.0.1,192.0.2.10", "--allowed-targets=10.20.0.0/16,fd00::/8");
    }

    @Test
    void noneAndNoApiServerAndNoAllowListIsNoArgumentAtAll() {
        var policy = new ForwarderTargetPolicy(settings(List.of("none"), false, Optional.empty()), apiServer("10.96.0.1"));
        assertThat(policy.arguments()).isEmpty();
    }

    @Test
    void aSettingThatIsNoCidrIsRefusedNamingIt() {
        assertThatThrownBy(() -> new ForwarderTargetPolicy(settings(List.of("metadata.google.internal"), true, Optional.empty()),
                apiServer())).hasMessageContaining("sshtunnel.guard-rails.denied-targets")
                .hasMessageContaining("'metadata.google.internal' is not a CIDR");
    }
}
