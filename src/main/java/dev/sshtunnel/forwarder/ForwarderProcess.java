package dev.sshtunnel.forwarder;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.sshd.client.SshClient;
import org.jboss.logging.Logger;

import dev.sshtunnel.api.v1alpha1.ForwardStatus;
import dev.sshtunnel.config.ForwardConfig;
import dev.sshtunnel.config.TunnelConfig;
import dev.sshtunnel.forwarder.forward.Forward;
import dev.sshtunnel.forwarder.forward.Forwards;
import dev.sshtunnel.forwarder.http.StatusEndpoints;
import dev.sshtunnel.forwarder.session.SessionStatusBoard;
import dev.sshtunnel.forwarder.session.SshClientFactory;
import dev.sshtunnel.forwarder.session.TunnelSession;

/**
 * The forwarder role: listeners, the SSH session that feeds them, and the status endpoints, for
 * one SshTunnel. {@link #close()} is the SIGTERM path: stop accepting, cancel remote forwards, let
 * open channels finish within a grace period, then close the session.
 */
public final class ForwarderProcess implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ForwarderProcess.class);

    private final List<Forward> forwards = new ArrayList<>();
    private final SessionStatusBoard board = new SessionStatusBoard();
    private final SshClient client;
    private final TunnelSession session;
    private final StatusEndpoints endpoints;
    private final Duration grace;

    /** Binds every listener and the HTTP port, then starts connecting. Fails fast on a listener that cannot bind. */
    public ForwarderProcess(TunnelConfig config, String listenAddress, String httpAddress, int httpPort, Duration grace)
            throws IOException {
        this.grace = grace;
        for (ForwardConfig forward : config.forwards()) {
            forwards.add(Forwards.create(forward, listenAddress));
        }
        client = SshClientFactory.create();
        Forwards.configureClient(client, config.connectTimeout());
        try {
            session = new TunnelSession(config, forwards, board, client, Clock.systemUTC());
            for (Forward forward : forwards) {
                forward.start();
            }
            endpoints = new StatusEndpoints(httpAddress, httpPort, this::snapshot);
        } catch (IOException | RuntimeException e) {
            forwards.forEach(Forward::close);
            throw e;
        }
        client.start();
        session.start();
        LOG.infof("forwarder for %s started: %d forwards, status on %s:%d", config.name(), forwards.size(), httpAddress,
                endpoints.port());
    }

    public StatusEndpoints.Snapshot snapshot() {
        List<ForwardStatus> statuses = forwards.stream().map(Forward::status).toList();
        Map<String, long[]> bytes = new LinkedHashMap<>();
        forwards.forEach(f -> bytes.put(f.config().name(), new long[] {f.bytesSent(), f.bytesReceived()}));
        return new StatusEndpoints.Snapshot(board.snapshot(), statuses, bytes);
    }

    public int httpPort() {
        return endpoints.port();
    }

    public List<Forward> forwards() {
        return forwards;
    }

    @Override
    public void close() {
        LOG.info("forwarder stopping: no new connections, cancelling remote forwards");
        forwards.forEach(Forward::close);
        Instant deadline = Instant.now().plus(grace);
        while (Instant.now().isBefore(deadline) && activeChannels() > 0) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = activeChannels();
        if (left > 0) {
            LOG.warnf("forwarder stopping with %d channels still open after %ds", left, grace.toSeconds());
        }
        session.close();
        endpoints.close();
        try {
            client.stop();
        } catch (RuntimeException e) {
            LOG.debugf("ssh client stop: %s", e.getMessage());
        }
        LOG.info("forwarder stopped");
    }

    private int activeChannels() {
        return forwards.stream().map(Forward::status).mapToInt(s -> s.getActiveChannels() == null ? 0 : s.getActiveChannels()).sum();
    }
}
