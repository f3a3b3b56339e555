package dev.sshtunnel.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One Service port on the host, standing in for kube-proxy: a listener on a local address that
 * relays each connection to one ready pod (round robin) at the target port, the set read anew for
 * each connection ({@link NodeAgent#readyPodIps}: terminating and unready pods excluded). With no
 * ready pod the connection is closed at once, as a Service without endpoints refuses it. Connections
 * already relayed to a pod stay with it while it drains.
 */
final class ServicePort implements AutoCloseable {

    private final ServerSocket listener;
    private final Supplier<List<String>> readyPods;
    private final int targetPort;
    private final String fallbackReason;
    private final AtomicInteger next = new AtomicInteger();
    private final ExecutorService threads = Executors.newCachedThreadPool(DaemonThreads.named("sandbox-service-relay"));

    /**
     * Binds the Service's own port when it is free on the address (retrying briefly: a port just
     * released by the previous version of the Service may still be held for a moment), else any
     * free port; {@link #fallbackReason()} says why.
     */
    ServicePort(String address, int preferredPort, int targetPort, Supplier<List<String>> readyPods) throws IOException {
        this.targetPort = targetPort;
        this.readyPods = readyPods;
        ServerSocket socket = null;
        String reason = null;
        for (int attempt = 0; attempt < 10 && socket == null; attempt++) {
            ServerSocket candidate = new ServerSocket();
            candidate.setReuseAddress(true);
            try {
                candidate.bind(new InetSocketAddress(InetAddress.getByName(address), preferredPort));
                socket = candidate;
            } catch (IOException taken) {
                candidate.close();
                reason = taken.getMessage();
                sleepQuietly(100);
            }
        }
        if (socket == null) {
            socket = new ServerSocket();
            socket.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        }
        this.fallbackReason = socket.getLocalPort() == preferredPort ? null : reason;
        this.listener = socket;
        threads.submit(this::acceptLoop);
    }

    /** Why the Service's own port could not be used, or null when it is. */
    String fallbackReason() {
        return fallbackReason;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    int localPort() {
        return listener.getLocalPort();
    }

    String localAddress() {
        return listener.getInetAddress().getHostAddress();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                threads.submit(() -> relay(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void relay(Socket client) {
        List<String> pods = readyPods.get();
        if (pods.isEmpty()) {
            closeQuietly(client);
            return;
        }
        String pod = pods.get(Math.floorMod(next.getAndIncrement(), pods.size()));
        Socket backend;
        try {
            backend = new Socket(pod, targetPort);
            client.setTcpNoDelay(true);
            backend.setTcpNoDelay(true);
        } catch (IOException e) {
            closeQuietly(client);
            return;
        }
        AtomicInteger open = new AtomicInteger(2);
        Runnable finished = () -> {
            if (open.decrementAndGet() == 0) {
                closeQuietly(client);
                closeQuietly(backend);
            }
        };
        threads.submit(() -> copy(client, backend, finished));
        copy(backend, client, finished);
    }

    /** Copies until EOF, then half-closes the other side so a client's shutdownOutput reaches the pod. */
    private static void copy(Socket from, Socket to, Runnable finished) {
        byte[] buffer = new byte[64 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
            to.shutdownOutput();
            finished.run();
        } catch (IOException e) {
            // a reset on either side ends both directions
            closeQuietly(from);
            closeQuietly(to);
            finished.run();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // already closed
        }
        threads.shutdownNow();
    }
}
