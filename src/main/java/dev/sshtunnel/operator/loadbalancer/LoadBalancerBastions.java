package dev.sshtunnel.operator.loadbalancer;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import dev.sshtunnel.api.v1alpha1.ClusterSshBastion;
import dev.sshtunnel.api.v1alpha1.LoadBalancerSpec;
import dev.sshtunnel.api.v1alpha1.Reason;
import dev.sshtunnel.operator.loadbalancer.LoadBalancerClaim.Refusal;
import dev.sshtunnel.untrusted.UntrustedText;
import io.fabric8.kubernetes.api.model.Service;

/** The ClusterSshBastion a claimed Service goes through: the one its annotation names, else the one marked default. */
public final class LoadBalancerBastions {

    /** A ClusterSshBastion's name (a DNS subdomain), as BastionRef's schema has it. */
    private static final String NAME = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";

    private LoadBalancerBastions() {
    }

    /** The bastion, or why there is none; {@code bastions}: every ClusterSshBastion. */
    public static Choice choose(Service service, Collection<ClusterSshBastion> bastions) {
        Map<String, String> annotations = service.getMetadata().getAnnotations();
        String named = annotations == null ? null : annotations.get(LoadBalancerSpec.BASTION_ANNOTATION);
        if (named != null && !named.isBlank()) {
            String name = named.trim();
            if (name.length() > 253 || !name.matches(NAME)) {
                return Choice.refused(Reason.BastionNotFound, "annotation " + LoadBalancerSpec.BASTION_ANNOTATION + " \""
                        + UntrustedText.clean(name, 64) + "\" is not the name of a ClusterSshBastion");
            }
            ClusterSshBastion bastion = bastions.stream().filter(b -> name.equals(b.getMetadata().getName())).findFirst().orElse(null);
            if (bastion == null) {
                return Choice.refused(Reason.BastionNotFound, "ClusterSshBastion " + name + " (annotation "
                        + LoadBalancerSpec.BASTION_ANNOTATION + ") does not exist");
            }
            if (bastion.getSpec() == null || bastion.getSpec().getLoadBalancer() == null) {
                return Choice.refused(Reason.BastionNotFound, "ClusterSshBastion " + name + " has no spec.loadBalancer: "
                        + "its owner must give it one (externalAddress) before it serves LoadBalancer Services");
            }
            return new Choice(bastion, null);
        }
        List<ClusterSshBastion> defaults = bastions.stream()
                .filter(b -> b.getSpec() != null && b.getSpec().getLoadBalancer() != null && b.getSpec().getLoadBalancer().isDefault())
                .sorted((a, b) -> a.getMetadata().getName().compareTo(b.getMetadata().getName()))
                .toList();
        if (defaults.size() == 1) {
            return new Choice(defaults.get(0), null);
        }
        return Choice.refused(Reason.BastionNotFound, defaults.isEmpty()
                ? "no ClusterSshBastion has spec.loadBalancer.default: true; name one in the annotation "
                        + LoadBalancerSpec.BASTION_ANNOTATION
                : defaults.size() + " ClusterSshBastions have spec.loadBalancer.default: true ("
                        + String.join(", ", defaults.stream().limit(5).map(b -> b.getMetadata().getName()).toList())
                        + "); name one in the annotation " + LoadBalancerSpec.BASTION_ANNOTATION);
    }

    /** Exactly one of bastion and refusal. */
    public record Choice(ClusterSshBastion bastion, Refusal refusal) {
        static Choice refused(Reason reason, String message) {
            return new Choice(null, new Refusal(reason, message));
        }
    }
}
