package dev.sshtunnel.operator.dependent;

import java.util.List;

import dev.sshtunnel.api.v1alpha1.BastionKind;
import dev.sshtunnel.api.v1alpha1.ClusterSshBastion;
import dev.sshtunnel.api.v1alpha1.ForwardSpec;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.operator.OperatorConfig;
import dev.sshtunnel.operator.gate.ApiServerAddresses;
import dev.sshtunnel.operator.gate.ForwarderImagePolicy;
import dev.sshtunnel.operator.gate.ForwarderTargetPolicy;
import dev.sshtunnel.operator.tenancy.TunnelResolution;
import dev.sshtunnel.testing.ReconcileContext;
import dev.sshtunnel.testing.TunnelFixtures;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;

/**
 * The dependents as Quarkus injects them, with the real collaborators (resolution, image and target policies) over
 * given settings; only the API server's addresses are fixed (reading them is ApiServerAddresses' I/O).
 */
final class WiredDependents {

    static final String API_SERVER = "10.96.0.1";
    static final String TENANT = "team-a";
    static final String PLATFORM = "sshtunnel-system";

    private WiredDependents() {
    }

    static ForwarderDeploymentDependent deployment(OperatorConfig config) {
        ForwarderDeploymentDependent dependent = new ForwarderDeploymentDependent();
        dependent.config = config;
        dependent.images = new ForwarderImagePolicy(config);
        dependent.resolution = new TunnelResolution(config);
        dependent.targets = new ForwarderTargetPolicy(config, new ApiServerAddresses(null) {
            @Override
            public synchronized List<String> get() {
                return List.of(API_SERVER);
            }
        });
        return dependent;
    }

    static TunnelConfigMapDependent configMap(OperatorConfig config) {
        TunnelConfigMapDependent dependent = new TunnelConfigMapDependent();
        dependent.resolution = new TunnelResolution(config);
        return dependent;
    }

    static ForwarderDisruptionBudgetDependent budget(OperatorConfig config) {
        ForwarderDisruptionBudgetDependent dependent = new ForwarderDisruptionBudgetDependent();
        dependent.resolution = new TunnelResolution(config);
        return dependent;
    }

    static ForwarderNetworkPolicyDependent networkPolicy(OperatorConfig config) {
        ForwarderNetworkPolicyDependent dependent = new ForwarderNetworkPolicyDependent();
        dependent.config = config;
        dependent.resolution = new TunnelResolution(config);
        return dependent;
    }

    static ForwardsServiceDependent forwardsService(OperatorConfig config) {
        ForwardsServiceDependent dependent = new ForwardsServiceDependent();
        dependent.resolution = new TunnelResolution(config);
        return dependent;
    }

    static TenantServiceDependent tenantService(OperatorConfig config) {
        TenantServiceDependent dependent = new TenantServiceDependent();
        dependent.config = config;
        dependent.resolution = new TunnelResolution(config);
        return dependent;
    }

    /** Tunnel apps/db of the operator tests (bastion.example.com:22, key in Secret bastion-key), with a uid for owner references. */
    static SshTunnel tunnel(ForwardSpec... forwards) {
        SshTunnel tunnel = TunnelFixtures.tunnel("apps", "db", forwards);
        tunnel.getMetadata().setUid("0b7e6a5c-tunnel");
        tunnel.getMetadata().setGeneration(3L);
        return tunnel;
    }

    /** Tunnel team-a/web on ClusterSshBastion edge, whose pods run in sshtunnel-system. */
    static SshTunnel tenantTunnel(ForwardSpec... forwards) {
        SshTunnel tunnel = TunnelFixtures.onBastion(TENANT, "web", BastionKind.ClusterSshBastion, "edge", forwards);
        tunnel.getMetadata().setUid("5d1c-tenant");
        tunnel.getMetadata().setGeneration(1L);
        return tunnel;
    }

    /** The reconcile of {@link #tenantTunnel}: the bastion granting team=a, and the tenant's namespace labelled so. */
    static ReconcileContext onEdge(SshTunnel tunnel) {
        ClusterSshBastion edge = TunnelFixtures.clusterBastion("edge", PLATFORM, "a");
        edge.getMetadata().setUid("e1-bastion");
        Namespace namespace = new NamespaceBuilder().withNewMetadata().withName(TENANT).addToLabels("team", "a").endMetadata().build();
        return ReconcileContext.of(tunnel, edge, namespace);
    }
}
