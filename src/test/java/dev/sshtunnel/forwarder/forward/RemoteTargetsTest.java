package dev.sshtunnel.forwarder.forward;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.TcpForwardingFilter;
import org.junit.jupiter.api.Test;

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
}
