package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.BitSet;

import dev.sshtunnel.forwarder.http.StatusEndpoints;

/**
 * Pod IPs for the sandbox's "pods": addresses in 127.1.0.0/16, which Linux routes to the loopback
 * interface, so every forwarder has its own address and the same ports (8081, the forward ports)
 * as in its pod, without clashing with other pods or with what runs on 127.0.0.1. An address whose
 * status port something else on the machine holds (another sandbox's pod) is skipped: that pod's
 * forwarder could not listen there, and the operator would read the other one's /status.
 */
final class PodAddresses {

    private static final int SIZE = 250 * 250;
    private final BitSet used = new BitSet(SIZE);

    synchronized String next() {
        int index = used.nextClearBit(0);
        while (index < SIZE && !statusPortFree(address(index))) {
            index = used.nextClearBit(index + 1);
        }
        if (index >= SIZE) {
            throw new IllegalStateException("the sandbox ran out of pod addresses");
        }
        used.set(index);
        return address(index);
    }

    synchronized void release(String address) {
        String[] octets = address.split("\\.");
        used.clear((Integer.parseInt(octets[2])) * 250 + Integer.parseInt(octets[3]) - 1);
    }

    private static boolean statusPortFree(String address) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(false);
            probe.bind(new InetSocketAddress(InetAddress.getByName(address), StatusEndpoints.DEFAULT_PORT));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String address(int index) {
        return "127.1." + (index / 250) + "." + (index % 250 + 1);
    }
}
