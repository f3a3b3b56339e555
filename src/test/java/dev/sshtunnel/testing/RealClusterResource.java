package dev.sshtunnel.testing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import dev.sshtunnel.sandbox.Sandbox;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points the operator under a @QuarkusTest at {@link RealCluster}, authenticated as deploy/'s
 * `sshtunnel-operator` ServiceAccount: RBAC is enforced on everything it does.
 */
public class RealClusterResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of(
                "quarkus.kubernetes-client.api-server-url", RealCluster.url(),
                "quarkus.kubernetes-client.token", RealCluster.operatorToken(),
                "quarkus.kubernetes-client.ca-cert-data",
                Base64.getEncoder().encodeToString(RealCluster.caPem().getBytes(StandardCharsets.US_ASCII)),
                "quarkus.kubernetes-client.namespace", Sandbox.OPERATOR_NAMESPACE);
    }

    @Override
    public void stop() {
        // The cluster lives as long as the test JVM (a shutdown hook stops it).
    }
}
