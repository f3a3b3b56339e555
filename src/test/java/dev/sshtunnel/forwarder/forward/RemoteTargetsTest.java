package dev.sshtunnel.forwarder.forward;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.TcpForwardingFilter;
import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.v1alpha1.ForwardType;
import dev.sshtunnel.config.ForwardConfig;

/** What the SSH server may ask the forwarder to connect to: only configured Remote targets. */
class RemoteTargetsTest {

    @Test
    void onlyConfiguredTargetsOfRemoteForwardsAreAccepted() {
        RemoteTargets targets = new RemoteTargets(java.time.Duration.ofSeconds(15));
        targets.allow("web.apps.svc.cluster.local", 80);

        assertThat(targets.canConnect(TcpForwardingFilter.Type.Forwarded,
                new SshdSocketAddress("web.apps.svc.cluster.local", 80), null)).isTrue();
        assertThat(targets.canConnect(TcpForwardingFilter.Type.Forwarded,
                new SshdSocketAddress("web.apps.svc.cluster.local", 22), null)).as("other port").isFalse();
        assertThat(targets.canConnect(TcpForwardingFilter.Type.Forwarded,
                new SshdSocketAddress("kubernetes.default.svc", 443), null)).as("other host").isFalse();
        assertThat(targets.canConnect(TcpForwardingFilter.Type.Direct,
                new SshdSocketAddress("web.apps.svc.cluster.local", 80), null)).as("not a forwarded channel").isFalse();
        assertThat(targets.canListen(new SshdSocketAddress("0.0.0.0", 80), null)).isFalse();
        assertThat(targets.canForwardAgent(null, "auth-agent-req@openssh.com")).isFalse();
        assertThat(targets.canForwardX11(null, "x11-req")).isFalse();

        targets.revoke("web.apps.svc.cluster.local", 80);
        assertThat(targets.canConnect(TcpForwardingFilter.Type.Forwarded,
                new SshdSocketAddress("web.apps.svc.cluster.local", 80), null)).isFalse();
    }

    /** A channel is attributed to the forward that recorded the bound port, and to nothing before or after. */
    @Test
    void countersAreThoseOfTheForwardThatRecordedTheBoundPort() {
        RemoteTargets targets = new RemoteTargets(java.time.Duration.ofSeconds(15));
        ForwardCounters hooks = new ForwardCounters(new ForwardConfig("hooks", ForwardType.Remote, "localhost", 0, "web", 80,
                10, null));

        assertThat(targets.counters(41235)).as("not recorded yet").isNull();
        targets.count(41235, hooks);
        assertThat(targets.counters(41235)).isSameAs(hooks);
        targets.uncount(41235, hooks);
        assertThat(targets.counters(41235)).as("let go").isNull();
    }
}
