package dev.sshtunnel.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.forwarder.ForwarderStatus;

class PodAddressesTest {

    /** Two sandboxes on one machine: the second skips the address whose status port the first's pod holds. */
    @Test
    void anAddressWhoseStatusPortIsTakenIsSkippedAndAReleasedOneReused() throws Exception {
        PodAddresses addresses = new PodAddresses();
        try (ServerSocket otherSandboxPod = new ServerSocket()) {
            otherSandboxPod.bind(new InetSocketAddress(InetAddress.getByName("127.1.0.1"), ForwarderStatus.PORT));
            assertThat(addresses.next()).isEqualTo("127.1.0.2");
            assertThat(addresses.next()).isEqualTo("127.1.0.3");
        }
        addresses.release("127.1.0.2");
        assertThat(addresses.next()).as("127.1.0.1 is free again, and was never handed out").isEqualTo("127.1.0.1");
        assertThat(addresses.next()).isEqualTo("127.1.0.2");
    }
}
