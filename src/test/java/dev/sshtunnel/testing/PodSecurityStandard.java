package dev.sshtunnel.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SELinuxOptions;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;

/**
 * The Kubernetes Pod Security Standards, "restricted" profile (which includes "baseline"), control
 * by control as https://kubernetes.io/docs/concepts/security/pod-security-standards/ lists them
 * for v1.32, applied to a pod template. Returns one line per violation, naming the field.
 */
public final class PodSecurityStandard {

    private static final Set<String> BASELINE_CAPABILITIES = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID",
            "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");
    private static final Set<String> SAFE_SYSCTLS = Set.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
            "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
            "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes");
    private static final Set<String> SELINUX_TYPES = Set.of("", "container_t", "container_init_t", "container_kvm_t",
            "container_engine_t");

    private PodSecurityStandard() {
    }

    public static List<String> restrictedViolations(PodSpec pod, Map<String, String> podAnnotations) {
        List<String> violations = new ArrayList<>();
        PodSecurityContext podContext = pod.getSecurityContext() == null ? new PodSecurityContext() : pod.getSecurityContext();
        // Baseline: host namespaces, host paths and ports, privileged, capabilities, AppArmor, SELinux, /proc, seccomp, sysctls.
        check(violations, !Boolean.TRUE.equals(pod.getHostNetwork()), "spec.hostNetwork must not be true");
        check(violations, !Boolean.TRUE.equals(pod.getHostPID()), "spec.hostPID must not be true");
        check(violations, !Boolean.TRUE.equals(pod.getHostIPC()), "spec.hostIPC must not be true");
        check(violations, podContext.getWindowsOptions() == null || !Boolean.TRUE.equals(podContext.getWindowsOptions().getHostProcess()),
                "spec.securityContext.windowsOptions.hostProcess must not be true");
        seLinux(violations, "spec.securityContext", podContext.getSeLinuxOptions());
        seccomp(violations, "spec.securityContext", podContext.getSeccompProfile(), false);
        if (podContext.getAppArmorProfile() != null) {
            check(violations, !"Unconfined".equals(podContext.getAppArmorProfile().getType()),
                    "spec.securityContext.appArmorProfile.type must not be Unconfined");
        }
        if (podAnnotations != null) {
            podAnnotations.forEach((key, value) -> check(violations,
                    !key.startsWith("container.apparmor.security.beta.kubernetes.io/") || !"unconfined".equals(value),
                    "annotation " + key + " must not be unconfined"));
        }
        if (podContext.getSysctls() != null) {
            podContext.getSysctls().forEach(s -> check(violations, SAFE_SYSCTLS.contains(s.getName()),
                    "spec.securityContext.sysctls: " + s.getName() + " is not in the safe set"));
        }
        for (Volume volume : pod.getVolumes() == null ? List.<Volume>of() : pod.getVolumes()) {
            check(violations, volume.getHostPath() == null, "spec.volumes[" + volume.getName() + "]: hostPath is not allowed");
            // Restricted: only these volume types.
            boolean allowed = volume.getConfigMap() != null || volume.getCsi() != null || volume.getDownwardAPI() != null
                    || volume.getEmptyDir() != null || volume.getEphemeral() != null || volume.getPersistentVolumeClaim() != null
                    || volume.getProjected() != null || volume.getSecret() != null;
            check(violations, allowed, "spec.volumes[" + volume.getName() + "]: type not allowed by the restricted profile");
        }
        // Restricted, pod level or every container: runAsNonRoot, seccomp RuntimeDefault/Localhost; runAsUser never 0.
        check(violations, podContext.getRunAsUser() == null || podContext.getRunAsUser() != 0,
                "spec.securityContext.runAsUser must not be 0");
        List<Container> containers = Stream.of(pod.getContainers(), pod.getInitContainers()).filter(l -> l != null)
                .flatMap(List::stream).toList();
        check(violations, !containers.isEmpty(), "the pod has no containers");
        for (Container container : containers) {
            String path = "container " + container.getName() + " securityContext";
            SecurityContext context = container.getSecurityContext() == null ? new SecurityContext() : container.getSecurityContext();
            check(violations, !Boolean.TRUE.equals(context.getPrivileged()), path + ".privileged must not be true");
            check(violations, context.getWindowsOptions() == null || !Boolean.TRUE.equals(context.getWindowsOptions().getHostProcess()),
                    path + ".windowsOptions.hostProcess must not be true");
            check(violations, context.getProcMount() == null || "Default".equals(context.getProcMount()),
                    path + ".procMount must be Default");
            seLinux(violations, path, context.getSeLinuxOptions());
            seccomp(violations, path, context.getSeccompProfile(), false);
            if (context.getAppArmorProfile() != null) {
                check(violations, !"Unconfined".equals(context.getAppArmorProfile().getType()),
                        path + ".appArmorProfile.type must not be Unconfined");
            }
            if (container.getPorts() != null) {
                container.getPorts().forEach(p -> check(violations, p.getHostPort() == null || p.getHostPort() == 0,
                        "container " + container.getName() + " port " + p.getName() + ": hostPort must be unset"));
            }
            Capabilities capabilities = context.getCapabilities();
            List<String> added = capabilities == null || capabilities.getAdd() == null ? List.of() : capabilities.getAdd();
            added.forEach(c -> check(violations, BASELINE_CAPABILITIES.contains(c) && c.equals("NET_BIND_SERVICE"),
                    path + ".capabilities.add: " + c + " is not allowed (only NET_BIND_SERVICE)"));
            check(violations, capabilities != null && capabilities.getDrop() != null && capabilities.getDrop().contains("ALL"),
                    path + ".capabilities.drop must include ALL");
            check(violations, Boolean.FALSE.equals(context.getAllowPrivilegeEscalation()),
                    path + ".allowPrivilegeEscalation must be false");
            check(violations, Boolean.TRUE.equals(context.getRunAsNonRoot()) || Boolean.TRUE.equals(podContext.getRunAsNonRoot())
                    && !Boolean.FALSE.equals(context.getRunAsNonRoot()), path + ".runAsNonRoot must be true (here or pod level)");
            check(violations, context.getRunAsUser() == null || context.getRunAsUser() != 0, path + ".runAsUser must not be 0");
            SeccompProfile effective = context.getSeccompProfile() != null ? context.getSeccompProfile() : podContext.getSeccompProfile();
            seccomp(violations, path + " (effective)", effective, true);
        }
        return violations;
    }

    private static void seLinux(List<String> violations, String path, SELinuxOptions options) {
        if (options != null) {
            check(violations, options.getType() == null || SELINUX_TYPES.contains(options.getType()), path + ".seLinuxOptions.type not allowed");
            check(violations, options.getUser() == null && options.getRole() == null, path + ".seLinuxOptions user/role must be unset");
        }
    }

    private static void seccomp(List<String> violations, String path, SeccompProfile profile, boolean required) {
        if (profile == null) {
            check(violations, !required, path + ".seccompProfile must be RuntimeDefault or Localhost");
            return;
        }
        boolean restricted = "RuntimeDefault".equals(profile.getType()) || "Localhost".equals(profile.getType());
        check(violations, required ? restricted : !"Unconfined".equals(profile.getType()),
                path + ".seccompProfile.type " + profile.getType() + " is not allowed");
    }

    private static void check(List<String> violations, boolean ok, String violation) {
        if (!ok) {
            violations.add(violation);
        }
    }
}
