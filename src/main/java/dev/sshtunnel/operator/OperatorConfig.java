package dev.sshtunnel.operator;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the operator role (application.properties, or env such as SSHTUNNEL_FORWARDER_IMAGE). */
@ConfigMapping(prefix = "sshtunnel")
public interface OperatorConfig {

    Forwarder forwarder();

    /** Namespace the operator runs in: its pods may read forwarder /status through their NetworkPolicy. */
    @WithDefault("sshtunnel-system")
    String operatorNamespace();

    /**
     * The namespaces whose SshTunnels and SshBastions this operator reconciles (the chart's watchNamespaces); unset: all.
     * application.properties hands it to each namespaced controller; a ClusterSshBastion's tunnel informer is given it
     * here, and a ClusterSshBastion whose credentials namespace is not among them is not Ready.
     */
    Optional<List<String>> watchNamespaces();

    Status status();

    /** The cluster's DNS domain: a tenant's alias Service names the forwards' Service in a bastion's namespace by it. */
    @WithDefault("cluster.local")
    String clusterDomain();

    NetworkPolicy networkPolicy();

    GuardRails guardRails();

    LoadBalancer loadBalancer();

    /** LoadBalancer Services of class sshtunnel.dev/ssh (ServiceLoadBalancerReconciler). */
    interface LoadBalancer {
        /**
         * How long a Service keeps its ingress address after its tunnel stops serving for a reason that waiting mends (the
         * standby taking a port over, a reconnect), so that DNS controllers and clients do not see it flap. A reason
         * that needs action (PortConflict, BastionNotAllowed, ...) clears it at once.
         */
        @WithDefault("10s")
        Duration ingressGrace();
    }

    /**
     * What a tenant's SshTunnel may ask for in a shared cluster (issue 25). Every default is the secure one; each
     * rule can be widened to restore the single-team behaviour. The same values parameterise the
     * ValidatingAdmissionPolicy in deploy/ and the chart, so what the API server can judge is refused at apply.
     */
    interface GuardRails {
        /**
         * CIDRs a Remote forward's target or a Dynamic forward's destination may never reach, checked by the
         * forwarder after DNS resolution (no connection is attempted) and, for IP literals, at apply.
         * {@code none} alone: no deny list.
         */
        @WithDefault("169.254.0.0/16,fd00:ec2::254/128,127.0.0.0/8,::1/128")
        List<String> deniedTargets();

        /** Also deny the Kubernetes API server's addresses (the default/kubernetes Service and its endpoints). */
        @WithDefault("true")
        boolean denyApiServer();

        /** When set: the only CIDRs such a target may resolve to (narrows further; the deny list still applies). */
        Optional<List<String>> allowedTargets();

        /** spec.service.type values a tunnel may ask for. */
        @WithDefault("ClusterIP")
        List<String> serviceTypes();

        /** Annotation key prefixes a tunnel may put on its Service; {@code *} allows any. Absent: none. */
        Optional<List<String>> serviceAnnotationPrefixes();

        /** Whether spec.forwarder.nodeSelector and tolerations are honoured; false: the admin's defaults apply. */
        @WithDefault("false")
        boolean tenantScheduling();

        /** Annotation key prefixes a tunnel may put on its pods (on top of the CRD's confinement deny-list); {@code *}: any. */
        Optional<List<String>> podAnnotationPrefixes();

        /** The most CPU a tunnel may request or limit per forwarder container. */
        @WithDefault("2")
        String maxCpu();

        /** The most memory a tunnel may request or limit per forwarder container. */
        @WithDefault("1Gi")
        String maxMemory();

        /** {@code Allowed}: a tunnel may carry its own spec.ssh; {@code Denied}: every tunnel must name a bastion. */
        @WithDefault("Allowed")
        InlineSsh inlineSsh();

        /** When true, an inline spec.ssh may only name Secrets labelled sshtunnel.dev/usable: "true". */
        @WithDefault("false")
        boolean inlineSecretsNeedLabel();

        enum InlineSsh { Allowed, Denied }
    }

    interface NetworkPolicy {
        /** Namespace of the cluster DNS pods that forwarder pods may query (egress port 53). */
        @WithDefault("kube-system")
        String dnsNamespace();

        /** Labels of those pods (key=value, comma-separated); CoreDNS and kube-dns both carry k8s-app=kube-dns. */
        @WithDefault("k8s-app=kube-dns")
        List<String> dnsPodLabels();

        /**
         * Namespaces whose pods may reach the forwarders' status port for /q/metrics besides the operator's own
         * (the namespace of the Prometheus a PodMonitor drives). Empty: the operator's namespace only, so a
         * PodMonitor's scrape is refused by the tunnels' own policies.
         */
        Optional<List<String>> metricsNamespaces();
    }

    interface Forwarder {
        /** Image of forwarder pods when spec.forwarder.image is empty: the operator's own image, set by deploy/. */
        @WithDefault("ghcr.io/sshtunnel-dev/sshtunnel-operator:0.1.0")
        String image();

        /**
         * Images a tunnel may name in spec.forwarder.image besides {@link #image()}: the pods get the
         * tunnel's SSH keys, so only images the platform team trusts. An entry ending in '*' allows
         * every image that starts with the rest. Empty (the default): only the operator's own image.
         */
        Optional<List<String>> allowedImages();

        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        /** Used when spec.forwarder.resources is empty. */
        @WithDefault("50m")
        String cpuRequest();

        @WithDefault("128Mi")
        String memoryRequest();

        @WithDefault("256Mi")
        String memoryLimit();
    }

    interface Status {
        /** How often each tunnel's forwarders are polled for live state once they are settled (1 s while not). */
        @WithDefault("2s")
        Duration pollPeriod();

        /** Minimum time between two status writes of one tunnel for a transition (condition, state, error). */
        @WithDefault("3s")
        Duration minWriteInterval();

        /** Minimum time between two status writes of one tunnel when only channel counters changed. */
        @WithDefault("60s")
        Duration counterWriteInterval();

        /** Threads that read forwarder GET /status, off the reconcile threads. */
        @WithDefault("4")
        int pollThreads();

        /** How long the operator waits for a forwarder pod's GET /status. */
        @WithDefault("1s")
        Duration readTimeout();
    }
}
