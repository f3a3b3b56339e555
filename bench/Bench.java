// Load generator and targets for bench/run.sh (run with: java bench/Bench.java ...; JDK 17 single-file source).
//   java bench/Bench.java serve ECHO SINK SOURCE             echo server, discard sink and bulk source on 127.0.0.1
//   java bench/Bench.java throughput PORT SECONDS STREAMS    client -> target bulk (to the sink), prints MiB/s
//   java bench/Bench.java download PORT SECONDS STREAMS      target -> client bulk (from the source), prints MiB/s
//   java bench/Bench.java rtt PORT COUNT                     64-byte ping-pong on one connection, prints p50/p99 us
//   java bench/Bench.java connect PORT SECONDS               connect, one 64-byte round trip, close; prints conn/s, p50/p99 us
//   java bench/Bench.java hold PORT COUNT                    COUNT connections held open after one round trip each
//   java bench/Bench.java delay LISTEN TARGET MILLIS         TCP relay 127.0.0.1:LISTEN -> 127.0.0.1:TARGET that holds every
//                                                            chunk MILLIS ms in each direction (a long path; the kernel here
//                                                            has no netem)
// throughput and download take PORT,PORT,...: the streams go to them in turn (two ssh processes side by side).
// PORT is a port on 127.0.0.1, or PROXY/TARGET: a SOCKS5 proxy on 127.0.0.1:PROXY asked for 127.0.0.1:TARGET
// (the SOCKS handshake is part of every connection, as it is for a real client of ssh -D).
import java.io.*;
import java.net.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

public class Bench {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "serve" -> serve(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "throughput" -> throughput(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), true);
            case "download" -> throughput(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), false);
            case "rtt" -> rtt(args[1], Integer.parseInt(args[2]));
            case "connect" -> connect(args[1], Integer.parseInt(args[2]));
            case "hold" -> hold(args[1], Integer.parseInt(args[2]));
            case "delay" -> delay(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** A connection to 127.0.0.1:PORT, or through the SOCKS5 proxy of PROXY/TARGET. */
    static Socket open(String spec) throws IOException {
        int slash = spec.indexOf('/');
        Socket s = new Socket("127.0.0.1", Integer.parseInt(slash < 0 ? spec : spec.substring(0, slash)));
        s.setTcpNoDelay(true);
        if (slash >= 0) {
            int target = Integer.parseInt(spec.substring(slash + 1));
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.write(new byte[] {5, 1, 0});
            if (in.readUnsignedByte() != 5 || in.readUnsignedByte() != 0) throw new IOException("SOCKS5 method refused");
            out.write(new byte[] {5, 1, 0, 1, 127, 0, 0, 1, (byte) (target >> 8), (byte) target});
            byte[] reply = new byte[10];
            in.readFully(reply);
            if (reply[1] != 0) throw new IOException("SOCKS5 reply " + reply[1]);
        }
        return s;
    }

    static void serve(int echoPort, int sinkPort, int sourcePort) throws Exception {
        ExecutorService threads = Executors.newCachedThreadPool();
        ServerSocket echo = new ServerSocket(echoPort, 4096, InetAddress.getByName("127.0.0.1"));
        ServerSocket sink = new ServerSocket(sinkPort, 4096, InetAddress.getByName("127.0.0.1"));
        ServerSocket source = new ServerSocket(sourcePort, 4096, InetAddress.getByName("127.0.0.1"));
        threads.execute(() -> accept(echo, threads, s -> s.getInputStream().transferTo(s.getOutputStream())));
        threads.execute(() -> accept(sink, threads, s -> s.getInputStream().transferTo(OutputStream.nullOutputStream())));
        // Writes until the client goes away.
        threads.execute(() -> accept(source, threads, s -> {
            byte[] chunk = new byte[128 * 1024];
            OutputStream out = s.getOutputStream();
            while (true) out.write(chunk);
        }));
        System.out.println("serving");
        Thread.currentThread().join();
    }

    interface Handler { void handle(Socket s) throws IOException; }

    static void accept(ServerSocket server, ExecutorService threads, Handler handler) {
        while (true) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                threads.execute(() -> { try (s) { handler.handle(s); } catch (IOException ignored) { } });
            } catch (IOException e) {
                return;
            }
        }
    }

    static void throughput(String spec, int seconds, int streams, boolean upload) throws Exception {
        AtomicLong bytes = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> workers = new ArrayList<>();
        String[] targets = spec.split(",");
        for (int i = 0; i < streams; i++) {
            int index = i;
            Thread t = new Thread(() -> {
                byte[] chunk = new byte[128 * 1024];
                try (Socket s = open(targets[index % targets.length])) {
                    if (upload) {
                        OutputStream out = s.getOutputStream();
                        while (System.nanoTime() < end) {
                            out.write(chunk);
                            bytes.addAndGet(chunk.length);
                        }
                    } else {
                        InputStream in = s.getInputStream();
                        int n;
                        while (System.nanoTime() < end && (n = in.read(chunk)) >= 0) {
                            bytes.addAndGet(n);
                        }
                    }
                } catch (IOException e) {
                    System.err.println("stream failed: " + e);
                }
            });
            t.start();
            workers.add(t);
        }
        long start = System.nanoTime();
        for (Thread t : workers) t.join();
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%.1f%n", bytes.get() / secs / (1024 * 1024));
    }

    static void rtt(String spec, int count) throws Exception {
        long[] samples = new long[count];
        byte[] ping = new byte[64];
        try (Socket s = open(spec)) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int i = -200; i < count; i++) {
                long t0 = System.nanoTime();
                out.write(ping);
                in.readNBytes(64);
                if (i >= 0) samples[i] = System.nanoTime() - t0;
            }
        }
        Arrays.sort(samples);
        System.out.printf(Locale.ROOT, "%d %d%n", samples[count / 2] / 1000, samples[(int) (count * 0.99)] / 1000);
    }

    /**
     * Opens COUNT connections (32 at a time), one 64-byte round trip on each, and keeps them all
     * open; prints "ok failed seconds" and holds them until stdin closes.
     */
    static void hold(String spec, int count) throws Exception {
        List<Socket> open = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService openers = Executors.newFixedThreadPool(32);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            openers.execute(() -> {
                byte[] ping = new byte[64];
                try {
                    Socket s = open(spec);
                    s.setSoTimeout(30_000);
                    s.getOutputStream().write(ping);
                    if (s.getInputStream().readNBytes(64).length == 64) {
                        open.add(s);
                    } else {
                        failed.incrementAndGet();
                        s.close();
                    }
                } catch (IOException e) {
                    failed.incrementAndGet();
                }
            });
        }
        openers.shutdown();
        openers.awaitTermination(10, TimeUnit.MINUTES);
        System.out.printf(Locale.ROOT, "%d %d %.1f%n", open.size(), failed.get(), (System.nanoTime() - start) / 1e9);
        System.out.flush();
        System.in.read();
        for (Socket s : open) {
            s.close();
        }
    }

    static void connect(String spec, int seconds) throws Exception {
        List<Long> samples = new ArrayList<>();
        byte[] ping = new byte[64];
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long start = System.nanoTime();
        int failures = 0;
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            try (Socket s = open(spec)) {
                s.getOutputStream().write(ping);
                if (s.getInputStream().readNBytes(64).length != 64) failures++;
            } catch (IOException e) {
                failures++;
            }
            samples.add(System.nanoTime() - t0);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        Collections.sort(samples);
        System.out.printf(Locale.ROOT, "%.0f %d %d %d%n", samples.size() / secs, samples.get(samples.size() / 2) / 1000,
                samples.get((int) (samples.size() * 0.99)) / 1000, failures);
    }

    /** One direction of the delay relay: a reader stamps chunks, a writer sends each one MILLIS after it arrived. */
    record Chunk(long due, byte[] bytes, int length) { }

    static void delay(int listen, int target, int millis) throws Exception {
        ExecutorService threads = Executors.newCachedThreadPool();
        ServerSocket server = new ServerSocket(listen, 128, InetAddress.getByName("127.0.0.1"));
        System.out.println("delaying");
        accept(server, threads, client -> {
            try (Socket upstream = new Socket("127.0.0.1", target)) {
                upstream.setTcpNoDelay(true);
                Future<?> up = threads.submit(() -> { relay(client, upstream, millis, threads); return null; });
                relay(upstream, client, millis, threads);
                up.get();
            } catch (Exception e) {
                throw new IOException(e);
            }
        });
    }

    static void relay(Socket from, Socket to, int millis, ExecutorService threads) throws Exception {
        BlockingQueue<Chunk> line = new LinkedBlockingQueue<>();
        Future<?> writer = threads.submit(() -> {
            OutputStream out = to.getOutputStream();
            while (true) {
                Chunk chunk = line.take();
                long wait = chunk.due() - System.nanoTime();
                if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                if (chunk.length() < 0) { to.shutdownOutput(); return null; }
                out.write(chunk.bytes(), 0, chunk.length());
            }
        });
        InputStream in = from.getInputStream();
        while (true) {
            byte[] buffer = new byte[64 * 1024];
            int n = in.read(buffer);
            line.put(new Chunk(System.nanoTime() + millis * 1_000_000L, buffer, n));
            if (n < 0) break;
        }
        writer.get();
    }
}
