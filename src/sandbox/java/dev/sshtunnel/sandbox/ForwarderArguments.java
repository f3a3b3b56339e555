package dev.sshtunnel.sandbox;

import java.util.List;
import java.util.Optional;

import dev.sshtunnel.forwarder.http.StatusEndpoints;
import dev.sshtunnel.forwarder.policy.TargetPolicy;

/**
 * The forwarder container's arguments (`forward -f FILE --secrets-dir DIR --bind-address ADDR
 * [--http-port N] [--grace-period S] [--admitted] [--denied-targets CIDRS] [--api-server-targets CIDRS]
 * [--allowed-targets CIDRS]`), read the way the `forward` command reads them,
 * so the sandbox runs exactly what the pod would.
 */
record ForwarderArguments(String file, String secretsDir, String bindAddress, int httpPort, int gracePeriodSeconds,
        boolean admitted, TargetPolicy targetPolicy) {

    static ForwarderArguments parse(List<String> args) {
        if (args.isEmpty() || !args.get(0).equals("forward")) {
            throw new IllegalArgumentException("not a forwarder container: arguments " + args);
        }
        String file = null;
        String secretsDir = null;
        String bind = "127.0.0.1";
        int httpPort = StatusEndpoints.DEFAULT_PORT;
        int grace = 10;
        boolean admitted = false;
        List<String> denied = List.of();
        List<String> apiServer = List.of();
        Optional<List<String>> allowed = Optional.empty();
        for (int i = 1; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--admitted")) {
                admitted = true;
                continue;
            }
            String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : (i + 1 < args.size() ? args.get(i + 1) : null);
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (!arg.contains("=")) {
                i++;
            }
            switch (name) {
                case "-f", "--file" -> file = value;
                case "--secrets-dir" -> secretsDir = value;
                case "--bind-address" -> bind = value;
                case "--http-port" -> httpPort = Integer.parseInt(value);
                case "--grace-period" -> grace = Integer.parseInt(value);
                case "--denied-targets" -> denied = commaSeparated(value);
                case "--api-server-targets" -> apiServer = commaSeparated(value);
                case "--allowed-targets" -> allowed = Optional.of(commaSeparated(value));
                case "--http-address" -> {
                    // the pod's address is used instead
                }
                default -> throw new IllegalArgumentException("unknown forwarder argument " + arg);
            }
        }
        if (file == null || secretsDir == null || !file.startsWith("/") || !secretsDir.startsWith("/")) {
            throw new IllegalArgumentException("forwarder arguments need absolute -f and --secrets-dir: " + args);
        }
        return new ForwarderArguments(file, secretsDir, bind, httpPort, grace, admitted, TargetPolicy.of(denied, apiServer, allowed));
    }

    private static List<String> commaSeparated(String value) {
        return value == null || value.isEmpty() ? List.of() : List.of(value.split(","));
    }
}
