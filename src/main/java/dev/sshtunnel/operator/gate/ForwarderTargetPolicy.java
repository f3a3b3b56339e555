package dev.sshtunnel.operator.gate;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.sshtunnel.config.policy.Cidr;
import dev.sshtunnel.config.policy.TargetPolicy;
import dev.sshtunnel.operator.OperatorConfig;
import io.quarkus.runtime.Startup;

/**
 * The guard rail "Remote targets and SOCKS destinations" as forwarder arguments: the operator's settings
 * (sshtunnel.guard-rails.denied-targets, allowed-targets, deny-api-server) become {@code --denied-targets},
 * {@code --allowed-targets} and {@code --api-server-targets} of every forwarder container; the forwarder judges each
 * target after resolving it. A setting that is not a list of CIDRs stops the operator at startup, naming the entry.
 */
@Startup // judged at startup, not at the first reconcile
@Singleton
public class ForwarderTargetPolicy {

    private final OperatorConfig.GuardRails settings;
    private final ApiServerAddresses apiServer;
    private final TargetPolicy configured;

    @Inject
    public ForwarderTargetPolicy(OperatorConfig config, ApiServerAddresses apiServer) {
        this(config.guardRails(), apiServer);
    }

    ForwarderTargetPolicy(OperatorConfig.GuardRails settings, ApiServerAddresses apiServer) {
        this.settings = settings;
        this.apiServer = apiServer;
        this.configured = TargetPolicy.of(settings.deniedTargets(), List.of(), settings.allowedTargets());
    }

    /** The forwarder's arguments for the policy; reads the API server's addresses when deny-api-server is on. */
    public List<String> arguments() {
        List<String> args = new ArrayList<>();
        if (!configured.denied().isEmpty()) {
            args.add(TargetPolicy.Rule.DENIED_TARGETS.option + "=" + joined(configured.denied()));
        }
        if (settings.denyApiServer()) {
            List<String> addresses = apiServer.get();
            if (!addresses.isEmpty()) {
                args.add(TargetPolicy.Rule.DENY_API_SERVER.option + "=" + String.join(",", addresses));
            }
        }
        Optional<List<Cidr>> allowed = configured.allowed();
        allowed.ifPresent(list -> args.add(TargetPolicy.Rule.ALLOWED_TARGETS.option + "=" + joined(list)));
        return args;
    }

    private static String joined(List<Cidr> blocks) {
        return String.join(",", blocks.stream().map(Cidr::toString).toList());
    }
}
