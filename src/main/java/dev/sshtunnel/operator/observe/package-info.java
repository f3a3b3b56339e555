/**
 * The loop's first stage: what the operator sees of the cluster and of its forwarder pods (informers and their
 * indexes, the pods' GET /status, the Secrets a spec refers to). Nothing here writes a dependent object.
 */
package dev.sshtunnel.operator.observe;
