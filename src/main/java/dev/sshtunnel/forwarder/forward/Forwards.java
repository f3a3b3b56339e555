package dev.sshtunnel.forwarder.forward;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.sshd.client.SshClient;

import dev.sshtunnel.config.ForwardConfig;

/** Creates forwards, and prepares the SSH client for them. */
public final class Forwards {

    /**
     * Pump and handshake threads; they block on sockets and channel windows, so the pool grows with
     * connections. Idle threads go after a few seconds so a burst of connections does not leave
     * thousands of parked threads behind.
     */
    private static final ExecutorService THREADS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 5, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread thread = new Thread(r, "forward-io");
                thread.setDaemon(true);
                return thread;
            });

    private Forwards() {
    }

    /** listenAddress: where Local and Dynamic listeners bind (127.0.0.1 on a workstation, 0.0.0.0 in a pod). */
    public static Forward create(ForwardConfig config, String listenAddress) {
        return switch (config.type()) {
            case Local -> new LocalForward(config, listenAddress, THREADS);
            case Dynamic -> new DynamicForward(config, listenAddress, THREADS);
            case Remote -> new RemoteForward(config);
        };
    }

    /** Installs the filter that lets forwarded-tcpip channels reach only configured Remote targets. */
    public static void configureClient(SshClient client) {
        client.setForwardingFilter(new RemoteTargets());
    }
}
