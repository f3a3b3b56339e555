package dev.sshtunnel.operator.status;

/** The condition types an SshTunnel reports. */
public final class ConditionTypes {

    /** The tunnel carries traffic: session up and every forward active. Its reason is the STATUS column. */
    public static final String READY = "Ready";
    /** The SSH session is established and authenticated. */
    public static final String CONNECTED = "Connected";
    /** Every forward is listening (Local, Dynamic) or bound on the server (Remote). */
    public static final String FORWARDS_READY = "ForwardsReady";
    /**
     * Present when some forward has a probe: True while every probed forward's probe passes (or has no verdict yet),
     * False with reason TargetUnreachable naming the forwards whose probe is Failing.
     */
    public static final String FORWARDS_REACHABLE = "ForwardsReachable";
    /** Abnormal-true: some hop's host key policy is Insecure. Present only then. */
    public static final String INSECURE_HOST_KEY = "InsecureHostKey";

    /**
     * Whether the current generation's spec is applied to the forwarder's ConfigMap, Deployment and
     * Service. False names why not (InvalidSpec, ImageNotAllowed, PolicyDenied, SecretNotFound, ApplyFailed) while
     * a running forwarder keeps the last applied spec; Ready then tells about that forwarder.
     */
    public static final String SPEC_APPLIED = "SpecApplied";
    /**
     * Abnormal-true: the Service is NodePort or LoadBalancer, but the NetworkPolicy admits the forward
     * ports only from the tunnel's namespace, so clients outside the cluster are dropped. Present only then.
     */
    public static final String EXTERNAL_TRAFFIC_BLOCKED = "ExternalTrafficBlocked";
    /**
     * kstatus' (Flux's health checks) abnormal-true condition for progress: True while the tunnel is on
     * its way to Ready by itself (pods starting, connecting, the server unreachable for now) or the
     * forwarders do not run the current generation yet; its reason is the Ready reason.
     */
    public static final String RECONCILING = "Reconciling";
    /**
     * kstatus' abnormal-true condition for a fault: True when the Ready reason needs a person
     * ({@link dev.sshtunnel.api.v1alpha1.Reason#needsAction()}); GitOps tools then report Failed.
     */
    public static final String STALLED = "Stalled";
    /** SpecApplied's reason while it holds. */
    public static final String APPLIED = "Applied";

    private ConditionTypes() {
    }
}
