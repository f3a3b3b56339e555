package dev.sshtunnel.operator.gate;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import dev.sshtunnel.api.v1alpha1.ForwarderSpec;
import dev.sshtunnel.api.v1alpha1.ServiceSpec;
import dev.sshtunnel.api.v1alpha1.ServiceType;
import dev.sshtunnel.api.v1alpha1.SshTunnel;
import dev.sshtunnel.api.v1alpha1.SshTunnelSpec;
import dev.sshtunnel.operator.OperatorConfig;
import dev.sshtunnel.untrusted.UntrustedText;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/**
 * The operator's guard rails on a tenant tunnel's shape (sshtunnel.guard-rails.*), one definition of
 * each rule, without I/O. The ValidatingAdmissionPolicy in deploy/ refuses the same shapes at apply;
 * this is the defence for tunnels stored before it existed, or where it is not installed or was given
 * wider parameters than the operator. Each message names the field, the setting and what to change.
 */
public final class TunnelGuardRails {

    /** The label an inline tunnel's Secret needs when sshtunnel.guard-rails.inline-secrets-need-label is true. */
    public static final String USABLE_LABEL = "sshtunnel.dev/usable";
    /** In an annotation prefix list: every key. */
    static final String ANY = "*";

    /** The settings, parsed once. Lists are trimmed; an absent prefix list allows no key. */
    public record Settings(List<String> serviceTypes, List<String> serviceAnnotationPrefixes, boolean tenantScheduling,
            List<String> podAnnotationPrefixes, Quantity maxCpu, Quantity maxMemory,
            OperatorConfig.GuardRails.InlineSsh inlineSsh, boolean inlineSecretsNeedLabel) {

        public Settings {
            serviceTypes = trimmed(serviceTypes);
            serviceAnnotationPrefixes = trimmed(serviceAnnotationPrefixes);
            podAnnotationPrefixes = trimmed(podAnnotationPrefixes);
        }

        public static Settings of(OperatorConfig.GuardRails config) {
            return new Settings(config.serviceTypes(), config.serviceAnnotationPrefixes().orElse(List.of()),
                    config.tenantScheduling(), config.podAnnotationPrefixes().orElse(List.of()),
                    new Quantity(config.maxCpu()), new Quantity(config.maxMemory()), config.inlineSsh(),
                    config.inlineSecretsNeedLabel());
        }

        private static List<String> trimmed(List<String> values) {
            return values == null ? List.of() : values.stream().map(String::trim).filter(v -> !v.isEmpty()).toList();
        }
    }

    private final Settings settings;

    public TunnelGuardRails(Settings settings) {
        this.settings = settings;
    }

    /** The first rule on the tunnel's own spec that it breaks, as a message; empty when it keeps them all. */
    public Optional<String> shapeProblem(SshTunnel tunnel) {
        SshTunnelSpec spec = tunnel.getSpec();
        if (spec == null) {
            return Optional.empty();
        }
        return inlineSsh(spec)
                .or(() -> service(spec.getService()))
                .or(() -> forwarder(spec.getForwarder()));
    }

    /**
     * With inline-secrets-need-label: the first Secret the inline spec.ssh names that lacks the label.
     * {@code fieldBySecret}: each referenced Secret with the first field naming it; {@code labelledUsable}: whether
     * that Secret carries sshtunnel.dev/usable: "true".
     */
    public Optional<String> secretProblem(SshTunnel tunnel, Map<String, String> fieldBySecret,
            Predicate<String> labelledUsable) {
        if (!settings.inlineSecretsNeedLabel() || tunnel.getSpec() == null || tunnel.getSpec().getSsh() == null) {
            return Optional.empty();
        }
        return fieldBySecret.entrySet().stream()
                .filter(e -> !labelledUsable.test(e.getKey()))
                .findFirst()
                .map(e -> "Secret " + tunnel.getMetadata().getNamespace() + "/" + e.getKey() + " (referenced by "
                        + e.getValue() + ") is not labelled " + USABLE_LABEL + ": \"true\", which "
                        + setting("inline-secrets-need-label") + " requires of every Secret an inline spec.ssh names: "
                        + "a namespace admin labels the Secrets meant for tunnels (kubectl label secret " + e.getKey()
                        + " " + USABLE_LABEL + "=true), or use a bastion (spec.bastionRef)");
    }

    private Optional<String> inlineSsh(SshTunnelSpec spec) {
        if (settings.inlineSsh() == OperatorConfig.GuardRails.InlineSsh.Denied && spec.getSsh() != null) {
            return Optional.of("spec.ssh is set, but " + setting("inline-ssh") + " is Denied: every tunnel must name "
                    + "a bastion the platform team runs; replace spec.ssh with spec.bastionRef");
        }
        return Optional.empty();
    }

    private Optional<String> service(ServiceSpec service) {
        if (service == null) {
            return Optional.empty();
        }
        ServiceType type = service.getType();
        if (type != null && !settings.serviceTypes().contains(type.name())) {
            return Optional.of("spec.service.type " + type + " is not allowed by " + setting("service-types") + " "
                    + settings.serviceTypes() + ": use one of those (ClusterIP keeps the forwards inside the cluster)");
        }
        return firstOutside(service.getAnnotations(), settings.serviceAnnotationPrefixes())
                .map(key -> "spec.service.annotations key \"" + clean(key) + "\" is not allowed by "
                        + setting("service-annotation-prefixes") + " " + describe(settings.serviceAnnotationPrefixes())
                        + ": remove it or use a key with an allowed prefix");
    }

    private Optional<String> forwarder(ForwarderSpec forwarder) {
        if (forwarder == null) {
            return Optional.empty();
        }
        if (!settings.tenantScheduling()) {
            if (forwarder.getNodeSelector() != null && !forwarder.getNodeSelector().isEmpty()) {
                return Optional.of("spec.forwarder.nodeSelector is set, but " + setting("tenant-scheduling")
                        + " is false: where forwarder pods run is the operator's admin's choice; remove it");
            }
            if (forwarder.getTolerations() != null && !forwarder.getTolerations().isEmpty()) {
                return Optional.of("spec.forwarder.tolerations is set, but " + setting("tenant-scheduling")
                        + " is false: where forwarder pods run is the operator's admin's choice; remove it");
            }
        }
        Optional<String> annotation = firstOutside(forwarder.getPodAnnotations(), settings.podAnnotationPrefixes())
                .map(key -> "spec.forwarder.podAnnotations key \"" + clean(key) + "\" is not allowed by "
                        + setting("pod-annotation-prefixes") + " " + describe(settings.podAnnotationPrefixes())
                        + ": remove it or use a key with an allowed prefix");
        return annotation.or(() -> resources(forwarder.getResources()));
    }

    private Optional<String> resources(ResourceRequirements resources) {
        if (resources == null) {
            return Optional.empty();
        }
        return over(resources.getRequests(), "requests", "cpu", settings.maxCpu(), "max-cpu")
                .or(() -> over(resources.getRequests(), "requests", "memory", settings.maxMemory(), "max-memory"))
                .or(() -> over(resources.getLimits(), "limits", "cpu", settings.maxCpu(), "max-cpu"))
                .or(() -> over(resources.getLimits(), "limits", "memory", settings.maxMemory(), "max-memory"));
    }

    private static Optional<String> over(Map<String, Quantity> values, String kind, String resource, Quantity cap,
            String name) {
        Quantity value = values == null ? null : values.get(resource);
        if (value == null) {
            return Optional.empty();
        }
        String field = "spec.forwarder.resources." + kind + "." + resource;
        BigDecimal amount;
        try {
            amount = value.getNumericalAmount();
        } catch (RuntimeException e) {
            return Optional.of(field + " \"" + clean(String.valueOf(value)) + "\" is not a quantity, so "
                    + setting(name) + " (" + cap + ") cannot be checked: write e.g. 500m or 256Mi");
        }
        if (amount.compareTo(cap.getNumericalAmount()) > 0) {
            return Optional.of(field + " " + clean(value.toString()) + " is above " + setting(name) + " (" + cap
                    + "): ask for at most that much");
        }
        return Optional.empty();
    }

    /** The first key not under one of the prefixes ("*": any key); empty when all are. */
    private static Optional<String> firstOutside(Map<String, String> values, List<String> prefixes) {
        if (values == null || values.isEmpty() || prefixes.contains(ANY)) {
            return Optional.empty();
        }
        return values.keySet().stream().sorted().filter(key -> prefixes.stream().noneMatch(key::startsWith)).findFirst();
    }

    private static String describe(List<String> prefixes) {
        return prefixes.isEmpty() ? "(no key allowed)" : prefixes.toString();
    }

    /** A setting's property name and the environment variable the deployments set it with. */
    static String setting(String name) {
        return "sshtunnel.guard-rails." + name + " (SSHTUNNEL_GUARD_RAILS_" + name.toUpperCase(Locale.ROOT)
                .replace('-', '_') + ")";
    }

    private static String clean(String text) {
        return UntrustedText.clean(text, UntrustedText.FIELD);
    }
}
