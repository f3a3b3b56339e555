package dev.sshtunnel.forwarder;

import static dev.sshtunnel.forwarder.ForwarderHarness.awaitForward;
import static dev.sshtunnel.forwarder.ForwarderHarness.connect;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.sshtunnel.api.v1alpha1.ForwardState;
import dev.sshtunnel.testing.Ports;

@Timeout(value = 150, unit = TimeUnit.SECONDS)
class BackpressureIT extends OpenSshForwarderIT {

    private static final int TEST_SOCKET_BUFFER = 256 * 1024;

    /**
     * A producer at full speed and a consumer at ~1 MiB/s for 30 s: the producer is held back (what
     * is in flight stays bounded by socket buffers and the SSH window, not by the forwarder's
     * memory), the heap does not grow with the backlog, and every byte arrives in order.
     */
    @Test
    void slowConsumerSlowsTheProducerAndLosesNothing() throws Exception {
        long total = 30L * 1024 * 1024;
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        long maxHeapGrowth = 0;
        // Heap after GC can jump in one sample for reasons that are not a backlog (one CI run: 123 MB once, where
        // runs alone stay far below the bound); a backlog held by the forwarder persists while the consumer
        // lags (24 s here), so each point is the least of three samples a second apart.
        java.util.ArrayDeque<Long> lastSamples = new java.util.ArrayDeque<>();
        long nextSample = 0;
        AtomicLong consumed = new AtomicLong();
        // The test's own two ends get fixed buffers: the kernel autotunes a receive buffer up to
        // net.ipv4.tcp_rmem's max (32 MiB on CI) and a send buffer up to tcp_wmem's, which would measure the
        // kernel rather than the forwarder. What is left in flight is the forwarder's and sshd's sockets plus
        // the SSH window.
        try (ServerSocket slow = new ServerSocket()) {
            slow.setReceiveBufferSize(TEST_SOCKET_BUFFER); // inherited by the accepted socket
            slow.bind(new java.net.InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 1);
            CompletableFuture<Boolean> inOrder = CompletableFuture.supplyAsync(() -> {
                try (Socket s = slow.accept(); InputStream in = s.getInputStream()) {
                    byte[] buffer = new byte[64 * 1024];
                    long expected = 0;
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        for (int i = 0; i < n; i++) {
                            if (buffer[i] != (byte) (expected++ % 251)) {
                                return false;
                            }
                        }
                        consumed.addAndGet(n);
                        Thread.sleep(n * 1000L / (1024 * 1024)); // ~1 MiB/s
                    }
                    return expected == total;
                } catch (Exception e) {
                    return false;
                }
            });
            int port = Ports.free();
            forwarder = ForwarderHarness.start(tunnel().local("slow", port, "127.0.0.1", slow.getLocalPort()));
            awaitForward(forwarder, "slow", f -> f.getState() == ForwardState.Active);

            long maxInFlight = 0;
            try (Socket socket = connect(port); OutputStream out = socket.getOutputStream()) {
                socket.setSendBufferSize(TEST_SOCKET_BUFFER);
                byte[] chunk = new byte[64 * 1024];
                long written = 0;
                while (written < total) {
                    for (int i = 0; i < chunk.length; i++) {
                        chunk[i] = (byte) ((written + i) % 251);
                    }
                    out.write(chunk);
                    written += chunk.length;
                    maxInFlight = Math.max(maxInFlight, written - consumed.get());
                    if (System.nanoTime() > nextSample) {
                        System.gc();
                        lastSamples.addLast(memory.getHeapMemoryUsage().getUsed() - heapBefore);
                        if (lastSamples.size() > 3) {
                            lastSamples.removeFirst();
                        }
                        if (lastSamples.size() == 3) {
                            maxHeapGrowth = Math.max(maxHeapGrowth, java.util.Collections.min(lastSamples));
                        }
                        nextSample = System.nanoTime() + 1_000_000_000L;
                    }
                }
                socket.shutdownOutput();
                assertThat(inOrder.get(90, TimeUnit.SECONDS)).as("every byte arrived, in order").isTrue();
            }
            // Two socket buffers each side plus the SSH windows: a few MiB, far below the 24 MiB produced.
            assertThat(maxInFlight).as("bytes written but not yet consumed").isLessThan(12L * 1024 * 1024);
            // The same JVM runs the forwarder: a backlog held in its memory would show here.
            assertThat(maxHeapGrowth).as("heap growth after GC while the consumer lags").isLessThan(16L * 1024 * 1024);
        }
    }
}
