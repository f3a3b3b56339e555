package dev.sshtunnel.api.v1alpha1;

public enum ServiceType {
    ClusterIP, NodePort, LoadBalancer
}
