package dev.sshtunnel.testing;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Real TCP traffic inside a network namespace the test made (a JVM cannot switch namespaces per
 * thread, so KubeletNodeIT starts this class there with `ip netns exec`). Modes:
 * <ul>
 * <li>{@code echo ADDRESS PORT}: an echo server; prints "listening" once bound, runs until killed.</li>
 * <li>{@code roundtrip HOST PORT [DEST_HOST DEST_PORT]}: one connection (through SOCKS5 to DEST when
 * given), a line out and the same line back; prints "ok".</li>
 * <li>{@code hold HOST PORT COUNT}: COUNT connections open at once, each echoing a line; prints
 * "opened COUNT", then on every "check" line on stdin echoes a line on each again and prints
 * "alive N"; closes them all at the end of stdin.</li>
 * </ul>
 * Any failure is printed as "failed: ..." with exit code 1.
 */
public final class NodeTraffic {

    private NodeTraffic() {
    }

    public static void main(String[] args) throws Exception {
        try {
            switch (args[0]) {
                case "echo" -> echo(args[1], Integer.parseInt(args[2]));
                case "roundtrip" -> {
                    try (Socket socket = open(args[1], Integer.parseInt(args[2]),
                            args.length > 4 ? args[3] : null, args.length > 4 ? Integer.parseInt(args[4]) : 0)) {
                        roundtrip(socket, "roundtrip");
                    }
                    System.out.println("ok");
                }
                case "hold" -> hold(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
                default -> throw new IllegalArgumentException("unknown mode " + Arrays.toString(args));
            }
        } catch (Exception e) {
            System.out.println("failed: " + e);
            System.out.flush();
            System.exit(1);
        }
    }

    private static void echo(String address, int port) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(address), port), 4096);
        System.out.println("listening");
        System.out.flush();
        while (true) {
            Socket client = server.accept();
            Thread thread = new Thread(() -> {
                try (client; InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
                    in.transferTo(out);
                } catch (IOException ignored) {
                    // the client went away
                }
            }, "echo");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private static Socket open(String host, int port, String destHost, int destPort) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 10_000);
        socket.setSoTimeout(30_000);
        if (destHost != null) {
            int reply = Socks5.connect(socket, Socks5.IPV4, InetAddress.getByName(destHost).getAddress(), destPort);
            if (reply != 0) {
                throw new IOException("SOCKS5 CONNECT to " + destHost + ":" + destPort + " answered " + reply);
            }
        }
        return socket;
    }

    private static void roundtrip(Socket socket, String text) throws IOException {
        byte[] line = (text + "\n").getBytes(StandardCharsets.US_ASCII);
        socket.getOutputStream().write(line);
        socket.getOutputStream().flush();
        byte[] back = new DataInputStream(socket.getInputStream()).readNBytes(line.length);
        if (!Arrays.equals(line, back)) {
            throw new IOException("sent " + text + ", got back " + new String(back, StandardCharsets.US_ASCII));
        }
    }

    private static void hold(String host, int port, int count) throws IOException {
        List<Socket> sockets = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                Socket socket = open(host, port, null, 0);
                sockets.add(socket);
                roundtrip(socket, "channel " + i);
            }
            System.out.println("opened " + sockets.size());
            System.out.flush();
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String command; (command = stdin.readLine()) != null; ) {
                if (command.equals("check")) {
                    int alive = 0;
                    for (int i = 0; i < sockets.size(); i++) {
                        roundtrip(sockets.get(i), "again " + i);
                        alive++;
                    }
                    System.out.println("alive " + alive);
                    System.out.flush();
                }
            }
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
