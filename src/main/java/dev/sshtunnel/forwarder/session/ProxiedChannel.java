package dev.sshtunnel.forwarder.session;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sshtunnel.config.ProxyConfig;
import dev.sshtunnel.forwarder.session.ProxyFailure.Kind;

/**
 * A socket of the forwarder's I/O group whose connect goes through an outbound proxy: {@link #connect} connects to
 * the proxy and runs the {@link ProxyHandshake} within the connect timeout, then every read and write is the real
 * socket's, so MINA's session runs on it exactly as on a direct one (no bridge, no copy). The remote address is the
 * SSH hop, as the proxy was asked for it.
 */
final class ProxiedChannel extends AsynchronousSocketChannel {

    /** Where a proxied connect goes: the hop's host name and port, and the proxy; MINA passes it to {@link #connect}. */
    static final class Target extends SocketAddress {
        final String host;
        final int port;
        final ProxyConfig proxy;
        final Duration timeout;
        final long deadlineNanos;

        Target(String host, int port, SshClientFactory.ProxyRoute route) {
            this.host = host;
            this.port = port;
            this.proxy = route.proxy();
            this.timeout = route.timeout();
            this.deadlineNanos = route.deadlineNanos();
        }

        @Override
        public String toString() {
            return host + ":" + port + " via proxy " + proxy.address();
        }
    }

    private final AsynchronousSocketChannel socket;
    private volatile SocketAddress remote;

    ProxiedChannel(AsynchronousSocketChannel socket) {
        super(socket.provider());
        this.socket = socket;
    }

    @Override
    public Future<Void> connect(SocketAddress address) {
        if (!(address instanceof Target target)) {
            throw new IllegalArgumentException("a proxied channel connects to a ProxiedChannel.Target");
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        // Connects are rare (one per session attempt, after backoff): a short-lived thread keeps the I/O group's
        // threads free of the blocking handshake.
        Thread handshake = new Thread(() -> {
            try {
                handshake(target);
                remote = InetSocketAddress.createUnresolved(target.host, target.port);
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                closeQuietly();
                done.completeExceptionally(e);
            }
        }, "proxy-connect");
        handshake.setDaemon(true);
        handshake.start();
        // MINA cancels a connect it gave up on: the socket goes with it.
        done.whenComplete((ok, e) -> {
            if (done.isCancelled()) {
                closeQuietly();
            }
        });
        return done;
    }

    private void handshake(Target target) throws IOException {
        long deadline = target.deadlineNanos;
        String proxyName = "proxy " + target.proxy.address();
        InetSocketAddress proxyAddress = lookUp(target, deadline, proxyName);
        try {
            await(socket.connect(proxyAddress), deadline);
        } catch (IOException e) {
            throw new ProxyFailure(Kind.UNREACHABLE, "cannot connect to " + proxyName + ": " + describe(e));
        } catch (TimeoutException e) {
            throw new ProxyFailure(Kind.UNREACHABLE, "cannot connect to " + proxyName + ": no TCP connection within "
                    + target.timeout.toSeconds() + " s");
        }
        ByteBuffer one = ByteBuffer.allocate(1);
        try {
            handshake(target, deadline, proxyName, one);
        } catch (ProxyFailure e) {
            throw e;
        } catch (IOException e) {
            // A reset or a read error in the middle of the exchange: still the proxy's failure, named as such.
            throw new ProxyFailure(Kind.UNREACHABLE, proxyName + " failed during CONNECT to " + target.host + ":" + target.port
                    + ": " + describe(e));
        }
    }

    private void handshake(Target target, long deadline, String proxyName, ByteBuffer one) throws IOException {
        new ProxyHandshake(target.proxy, target.host, target.port).run(new ProxyHandshake.Stream() {
            @Override
            public void write(byte[] bytes) throws IOException {
                ByteBuffer out = ByteBuffer.wrap(bytes);
                while (out.hasRemaining()) {
                    await(socket.write(out), deadline, proxyName, target);
                }
            }

            @Override
            public int read() throws IOException {
                one.clear();
                int n = await(socket.read(one), deadline, proxyName, target);
                return n < 0 ? -1 : Byte.toUnsignedInt(one.get(0));
            }
        });
    }

    /** The proxy's address, looked up within the deadline: a resolver that hangs must not hold the session past it. */
    private static InetSocketAddress lookUp(Target target, long deadline, String proxyName) throws ProxyFailure {
        CompletableFuture<InetSocketAddress> lookup = CompletableFuture.supplyAsync(
                () -> new InetSocketAddress(target.proxy.host(), target.proxy.port()), lookupThread -> {
                    Thread t = new Thread(lookupThread, "proxy-lookup");
                    t.setDaemon(true);
                    t.start();
                });
        InetSocketAddress address;
        try {
            address = lookup.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new ProxyFailure(Kind.UNREACHABLE, "cannot connect to " + proxyName + ": its name did not resolve within "
                    + target.timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw new ProxyFailure(Kind.UNREACHABLE, "cannot connect to " + proxyName + ": " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProxyFailure(Kind.UNREACHABLE, "cannot connect to " + proxyName + ": interrupted");
        }
        if (address.isUnresolved()) {
            throw new ProxyFailure(Kind.UNREACHABLE, "cannot connect to " + proxyName + ": unknown host " + target.proxy.host());
        }
        return address;
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** One I/O of the handshake; the deadline passing means the proxy stalls. */
    private static <T> T await(Future<T> io, long deadline, String proxyName, Target target) throws IOException {
        try {
            return await(io, deadline);
        } catch (TimeoutException e) {
            io.cancel(true);
            throw new ProxyFailure(Kind.UNREACHABLE, proxyName + " did not complete CONNECT to " + target.host + ":" + target.port
                    + " within " + target.timeout.toSeconds() + " s (connectTimeoutSeconds)");
        }
    }

    private static <T> T await(Future<T> io, long deadline) throws IOException, TimeoutException {
        try {
            return io.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io2 ? io2 : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting through the proxy", e);
        }
    }

    private void closeQuietly() {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing to tell: the connect failed already.
        }
    }

    @Override
    public <A> void connect(SocketAddress address, A attachment, CompletionHandler<Void, ? super A> handler) {
        ((CompletableFuture<Void>) connect(address)).whenComplete((ok, e) -> {
            if (e == null) {
                handler.completed(null, attachment);
            } else {
                handler.failed(e, attachment);
            }
        });
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        SocketAddress known = remote;
        return known != null ? known : socket.getRemoteAddress();
    }

    @Override
    public AsynchronousSocketChannel bind(SocketAddress local) throws IOException {
        socket.bind(local);
        return this;
    }

    @Override
    public <T> AsynchronousSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        socket.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return socket.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return socket.supportedOptions();
    }

    @Override
    public AsynchronousSocketChannel shutdownInput() throws IOException {
        socket.shutdownInput();
        return this;
    }

    @Override
    public AsynchronousSocketChannel shutdownOutput() throws IOException {
        socket.shutdownOutput();
        return this;
    }

    @Override
    public <A> void read(ByteBuffer dst, long timeout, TimeUnit unit, A attachment, CompletionHandler<Integer, ? super A> handler) {
        socket.read(dst, timeout, unit, attachment, handler);
    }

    @Override
    public Future<Integer> read(ByteBuffer dst) {
        return socket.read(dst);
    }

    @Override
    public <A> void read(ByteBuffer[] dsts, int offset, int length, long timeout, TimeUnit unit, A attachment,
            CompletionHandler<Long, ? super A> handler) {
        socket.read(dsts, offset, length, timeout, unit, attachment, handler);
    }

    @Override
    public <A> void write(ByteBuffer src, long timeout, TimeUnit unit, A attachment, CompletionHandler<Integer, ? super A> handler) {
        socket.write(src, timeout, unit, attachment, handler);
    }

    @Override
    public Future<Integer> write(ByteBuffer src) {
        return socket.write(src);
    }

    @Override
    public <A> void write(ByteBuffer[] srcs, int offset, int length, long timeout, TimeUnit unit, A attachment,
            CompletionHandler<Long, ? super A> handler) {
        socket.write(srcs, offset, length, timeout, unit, attachment, handler);
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        return socket.getLocalAddress();
    }

    @Override
    public boolean isOpen() {
        return socket.isOpen();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
