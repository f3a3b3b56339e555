package dev.sshtunnel.operator;

import jakarta.inject.Singleton;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;

/**
 * One active operator replica at a time (a Lease in the operator's namespace); the extension
 * applies it in the prod profile only, so tests and dev mode run without a lease.
 */
@Singleton
public class OperatorLeaderElection extends LeaderElectionConfiguration {

    public static final String LEASE_NAME = "sshtunnel-operator-leader";

    public OperatorLeaderElection() {
        super(LEASE_NAME);
    }
}
