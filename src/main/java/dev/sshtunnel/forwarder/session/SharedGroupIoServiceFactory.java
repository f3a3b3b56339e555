package dev.sshtunnel.forwarder.session;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousSocketChannel;

import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.Factory;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.io.IoAcceptor;
import org.apache.sshd.common.io.IoConnectFuture;
import org.apache.sshd.common.io.IoConnector;
import org.apache.sshd.common.io.IoHandler;
import org.apache.sshd.common.io.IoServiceFactory;
import org.apache.sshd.common.io.IoServiceFactoryFactory;
import org.apache.sshd.common.io.nio2.Nio2Acceptor;
import org.apache.sshd.common.io.nio2.Nio2Connector;
import org.apache.sshd.common.io.nio2.Nio2ServiceFactory;
import org.apache.sshd.common.util.threads.CloseableExecutorService;
import org.apache.sshd.common.util.threads.ThreadUtils;

/**
 * MINA's NIO2 back-end on the forwarder's fixed I/O group instead of its own.
 *
 * <p>MINA builds its group with {@code AsynchronousChannelGroup.withThreadPool(executor)}: one
 * internal thread waits in epoll and hands every completion to the executor, a thread switch (and
 * a task object) per read or write of the session socket. On a fixed group the thread that sees
 * the event runs the handler, and session and forwarded sockets share the same two threads, so a
 * packet read from the server is decrypted and written to the client's socket without a switch.
 * Measured in docs/benchmarks.md (RTT, connection rate, CPU per GiB).
 */
final class SharedGroupIoServiceFactory extends Nio2ServiceFactory {

    private final AsynchronousChannelGroup shared;
    private final CloseableExecutorService resuming;

    private SharedGroupIoServiceFactory(FactoryManager manager, AsynchronousChannelGroup shared,
            CloseableExecutorService resuming) {
        // The superclass still makes a group of its own on this executor; it stays unused (one idle thread).
        super(manager, ThreadUtils.newSingleThreadExecutor("sshd-nio2-unused"), resuming);
        this.shared = shared;
        this.resuming = resuming;
    }

    /** {@code shared}: the forwarder's I/O group ({@code ForwardThreads}), which outlives the client. */
    static IoServiceFactoryFactory factoryFactory(AsynchronousChannelGroup shared) {
        return new IoServiceFactoryFactory() {
            @Override
            public IoServiceFactory create(FactoryManager manager) {
                return new SharedGroupIoServiceFactory(manager, shared,
                        ThreadUtils.newSingleThreadExecutor("sshd-nio2-resume"));
            }

            @Override
            public void setExecutorServiceFactory(Factory<CloseableExecutorService> factory) {
                // The shared group's threads are fixed; nothing to configure.
            }
        };
    }

    @Override
    public IoConnector createConnector(IoHandler handler) {
        return autowireCreatedService(new ProxyingConnector(this, getFactoryManager(), handler, shared, resuming));
    }

    /**
     * MINA's connector, except that a connect whose context names a proxy ({@link SshClientFactory#PROXY}) goes
     * through it: its socket is a {@link ProxiedChannel}, asked for the hop by name (MINA's address may be resolved,
     * or not resolvable at all from the pod; the proxy resolves it).
     */
    private static final class ProxyingConnector extends Nio2Connector {

        ProxyingConnector(Nio2ServiceFactory factory, FactoryManager manager, IoHandler handler, AsynchronousChannelGroup group,
                CloseableExecutorService resuming) {
            super(factory, manager, handler, group, resuming);
        }

        @Override
        public IoConnectFuture connect(SocketAddress address, AttributeRepository context, SocketAddress localAddress) {
            SshClientFactory.ProxyRoute route = context == null ? null : context.getAttribute(SshClientFactory.PROXY);
            if (route == null || !(address instanceof InetSocketAddress hop)) {
                return super.connect(address, context, localAddress);
            }
            return super.connect(new ProxiedChannel.Target(hop.getHostString(), hop.getPort(), route),
                    context, localAddress);
        }

        @Override
        protected AsynchronousSocketChannel openAsynchronousSocketChannel(SocketAddress address, AsynchronousChannelGroup group)
                throws IOException {
            AsynchronousSocketChannel socket = super.openAsynchronousSocketChannel(address, group);
            return address instanceof ProxiedChannel.Target ? new ProxiedChannel(socket) : socket;
        }
    }

    @Override
    public IoAcceptor createAcceptor(IoHandler handler) {
        return autowireCreatedService(new Nio2Acceptor(this, getFactoryManager(), handler, shared, resuming));
    }
}
