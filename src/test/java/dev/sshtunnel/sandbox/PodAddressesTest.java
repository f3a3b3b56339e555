package dev.sshtunnel.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

import dev.sshtunnel.api.forwarder.ForwarderStatus;

class PodAddressesTest {

    /**
     * Two sandboxes on one machine: the second skips the address whose status port the first's pod holds. The
     * addresses are those free when the test runs (a sandbox test running beside it may hold the first ones).
     */
    @Test
    void anAddressWhoseStatusPortIsTakenIsSkippedAndAReleasedOneReused() throws Exception {
        String lowestFree = new PodAddresses().next();
        PodAddresses addresses = new PodAddresses();
        String skippedTo;
        try (ServerSocket otherSandboxPod = new ServerSocket()) {
            otherSandboxPod.bind(new InetSocketAddress(InetAddress.getByName(lowestFree), ForwarderStatus.PORT));
            skippedTo = addresses.next();
            assertThat(skippedTo).isNotEqualTo(lowestFree);
            assertThat(addresses.next()).isNotIn(lowestFree, skippedTo);
        }
        addresses.release(skippedTo);
        assertThat(addresses.next()).as("%s is free again, and was never handed out", lowestFree).isEqualTo(lowestFree);
        assertThat(addresses.next()).as("released, so handed out again").isEqualTo(skippedTo);
    }
}
