package dev.sshtunnel.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A network namespace of the test's own, joined to the host by a veth pair with addresses from
 * 10.213.0.0/16 (used by nothing else: a /30 per namespace, host side .1, namespace side .2), so
 * that real kernel faults can be put on the path between the forwarder (in the test JVM, host side)
 * and what runs inside: the link cut ({@code ip link set down}), every packet dropped or a share of
 * them dropped at random (iptables in the namespace, so the host's own rules are never touched).
 * Both veth ends send MTU-sized packets ({@code gso_max_segs 1}: no 64 KiB GSO super-packets, so a
 * drop takes one wire-sized packet as on a real link), and an {@code unreachable} route for the /30
 * at a low priority answers "No route to host" while the link is down: without it the host's
 * default route would carry the forwarder's reconnect attempts off the machine.
 *
 * <p>Names carry the creating process's pid ({@code sshtf-PID-N}, veths {@code stfPIDhN} and
 * {@code stfPIDnN}); {@link #create()} first deletes those a dead process left behind (a crashed
 * run), never those of a live one. Needs root and {@code ip netns}; without them it throws: CI
 * runs as root, so a missing capability is a broken environment, not a reason to skip.
 */
public final class NetworkNamespace implements AutoCloseable {

    private static final Pattern NAMESPACE = Pattern.compile("sshtf-(\\d+)-\\d+");
    private static final Pattern VETH = Pattern.compile("stf(\\d+)[hn]\\d+");
    private static final Pattern ROUTE = Pattern.compile("unreachable 10\\.213\\.(\\d+)\\.0/30 metric 4213.*");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final String TAG = "sshtunnel-test-fault";
    private static final String UNREACHABLE_METRIC = "4213";

    private final String name;
    private final String hostVeth;
    private final String namespaceVeth;
    private final String hostAddress;
    private final String namespaceAddress;
    private final String subnet;
    private boolean closed;

    private NetworkNamespace(String name, String hostVeth, String namespaceVeth, int subnet) {
        this.name = name;
        this.subnet = "10.213." + subnet + ".0/30";
        this.hostVeth = hostVeth;
        this.namespaceVeth = namespaceVeth;
        this.hostAddress = "10.213." + subnet + ".1";
        this.namespaceAddress = "10.213." + subnet + ".2";
    }

    /** Creates the namespace, its veth pair and addresses; loopback inside is up. */
    public static NetworkNamespace create() {
        requireCapabilities();
        deleteLeftovers();
        long pid = ProcessHandle.current().pid();
        int n = SEQUENCE.incrementAndGet();
        NetworkNamespace ns = new NetworkNamespace("sshtf-" + pid + "-" + n, "stf" + pid + "h" + n, "stf" + pid + "n" + n,
                freeSubnet());
        try {
            ip("netns", "add", ns.name);
            ip("link", "add", ns.hostVeth, "type", "veth", "peer", "name", ns.namespaceVeth, "netns", ns.name);
            ip("link", "set", "dev", ns.hostVeth, "gso_max_segs", "1");
            ip("-n", ns.name, "link", "set", "dev", ns.namespaceVeth, "gso_max_segs", "1");
            ip("addr", "add", ns.hostAddress + "/30", "dev", ns.hostVeth);
            ip("route", "add", "unreachable", ns.subnet, "metric", UNREACHABLE_METRIC);
            ip("link", "set", "dev", ns.hostVeth, "up");
            ip("-n", ns.name, "addr", "add", ns.namespaceAddress + "/30", "dev", ns.namespaceVeth);
            ip("-n", ns.name, "link", "set", "dev", ns.namespaceVeth, "up");
            ip("-n", ns.name, "link", "set", "dev", "lo", "up");
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** Fails with what is missing: these tests need root and iproute2's netns support. */
    public static void requireCapabilities() {
        String uid = Processes.run(List.of("id", "-u")).trim();
        if (!"0".equals(uid)) {
            throw new IllegalStateException("network fault tests need root (CI runs them as root; this runs as uid " + uid
                    + "): they create a network namespace, a veth pair and iptables rules inside it");
        }
        try {
            Processes.run(List.of("ip", "netns", "list"));
            Processes.run(List.of("iptables", "--version"));
        } catch (IllegalStateException e) {
            throw new IllegalStateException("network fault tests need iproute2 (ip netns) and iptables (.ci/run installs "
                    + "them): " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    /** The namespace side of the veth: where servers inside listen, and the only address the test targets. */
    public String address() {
        return namespaceAddress;
    }

    public String hostAddress() {
        return hostAddress;
    }

    /** Prefix that runs a command inside the namespace. */
    public List<String> exec() {
        return List.of("ip", "netns", "exec", name);
    }

    /** Runs a short command inside the namespace and returns its output. */
    public String run(String... command) {
        List<String> line = new ArrayList<>(exec());
        line.addAll(List.of(command));
        return Processes.run(line);
    }

    /** Cuts the link: the host side of the veth goes down (carrier lost on both ends). */
    public void linkDown() {
        ip("link", "set", "dev", hostVeth, "down");
    }

    public void linkUp() {
        ip("link", "set", "dev", hostVeth, "up");
    }

    /** Every packet crossing the veth is dropped, both ways, while the link stays up. */
    public void dropAll() {
        drop(List.of());
    }

    /** Each packet crossing the veth, either way, is dropped with this probability. */
    public void dropAtRandom(double probability) {
        drop(List.of("-m", "statistic", "--mode", "random", "--probability", Double.toString(probability)));
    }

    private void drop(List<String> match) {
        for (String[] chain : new String[][] {{"INPUT", "-i"}, {"OUTPUT", "-o"}}) {
            List<String> rule = new ArrayList<>(List.of("iptables", "-w", "-A", chain[0], chain[1], namespaceVeth));
            rule.addAll(match);
            rule.addAll(List.of("-m", "comment", "--comment", TAG, "-j", "DROP"));
            run(rule.toArray(String[]::new));
        }
    }

    /** Removes every rule this class added (they live in the namespace's own tables). */
    public void clearDrops() {
        for (String chain : List.of("INPUT", "OUTPUT")) {
            run("iptables", "-w", "-F", chain);
        }
    }

    /** Packets the drop rules have dropped so far (both chains). */
    public long dropped() {
        long total = 0;
        for (String chain : List.of("INPUT", "OUTPUT")) {
            for (String line : run("iptables", "-w", "-L", chain, "-v", "-x", "-n").split("\n")) {
                if (line.contains(TAG)) {
                    total += Long.parseLong(line.trim().split("\\s+")[0]);
                }
            }
        }
        return total;
    }

    /** Deletes the namespace (and with it its veth end, rules and anything still bound inside). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        quietly("ip", "netns", "del", name);
        quietly("ip", "link", "del", hostVeth);
        quietly("ip", "route", "del", "unreachable", subnet, "metric", UNREACHABLE_METRIC);
    }

    /** Whether this namespace or its host-side veth still exists. */
    public boolean exists() {
        return Processes.run(List.of("ip", "netns", "list")).lines().anyMatch(l -> l.split("\\s+")[0].equals(name))
                || Processes.run(List.of("ip", "-o", "link", "show")).contains(" " + hostVeth + "@")
                || Processes.run(List.of("ip", "route", "show", "type", "unreachable")).contains(subnet);
    }

    /** Namespaces and veths of this class whose creating process is gone. */
    public static void deleteLeftovers() {
        for (String line : Processes.run(List.of("ip", "netns", "list")).split("\n")) {
            String ns = line.trim().split("\\s+")[0];
            Matcher m = NAMESPACE.matcher(ns);
            if (m.matches() && !alive(m.group(1))) {
                // What the crashed run left running inside (its sshd, targets) would keep the namespace alive.
                for (String pid : Processes.run(List.of("ip", "netns", "pids", ns)).split("\\s+")) {
                    if (!pid.isBlank()) {
                        quietly("kill", "-9", pid.trim());
                    }
                }
                quietly("ip", "netns", "del", ns);
            }
        }
        for (String line : Processes.run(List.of("ip", "-o", "link", "show")).split("\n")) {
            String[] fields = line.split(":\\s+");
            if (fields.length < 2) {
                continue;
            }
            String link = fields[1].split("@")[0];
            Matcher m = VETH.matcher(link);
            if (m.matches() && !alive(m.group(1))) {
                quietly("ip", "link", "del", link);
            }
        }
        // An unreachable route of ours whose /30 no interface holds any more.
        String addresses = Processes.run(List.of("ip", "-o", "-4", "addr", "show"));
        for (String line : Processes.run(List.of("ip", "route", "show", "type", "unreachable")).split("\n")) {
            Matcher m = ROUTE.matcher(line.trim());
            if (m.matches() && !addresses.contains(" 10.213." + m.group(1) + ".")) {
                quietly("ip", "route", "del", "unreachable", "10.213." + m.group(1) + ".0/30", "metric", UNREACHABLE_METRIC);
            }
        }
    }

    private static boolean alive(String pid) {
        return ProcessHandle.of(Long.parseLong(pid)).isPresent();
    }

    /** A /24 of 10.213.0.0/16 that no interface of the host uses yet. */
    private static int freeSubnet() {
        String addresses = Processes.run(List.of("ip", "-o", "-4", "addr", "show"))
                + Processes.run(List.of("ip", "route", "show", "type", "unreachable")).replace("unreachable ", " ");
        for (int subnet = 1; subnet < 255; subnet++) {
            if (!addresses.contains(" 10.213." + subnet + ".")) {
                return subnet;
            }
        }
        throw new IllegalStateException("no free subnet in 10.213.0.0/16: " + addresses);
    }

    private static void ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Processes.run(command);
    }

    private static void quietly(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            // nothing to delete
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
