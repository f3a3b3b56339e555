package dev.sshtunnel.api.v1alpha1;

/** The two kinds a tunnel's spec.bastionRef may name. */
public enum BastionKind {
    /** Cluster-scoped, granted to namespaces by allowedNamespaces; its Secrets and pods live in credentialsNamespace. */
    ClusterSshBastion,
    /** Namespaced: its Secrets and pods live in its own namespace, and only tunnels of that namespace may use it. */
    SshBastion
}
