package dev.sshtunnel.testing;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;

import dev.sshtunnel.api.v1alpha1.SshTunnel;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.dependent.managed.ManagedWorkflowAndDependentResourceContext;
import io.javaoperatorsdk.operator.processing.dependent.workflow.WorkflowCleanupResult;
import io.javaoperatorsdk.operator.processing.dependent.workflow.WorkflowReconcileResult;
import io.javaoperatorsdk.operator.processing.event.EventSourceRetriever;

/**
 * A reconcile's {@link Context} for unit tests of what reads it: the primary, the secondary resources the informers'
 * caches would hold, and the per-reconcile store dependents share. Everything that would reach a cluster throws.
 */
public final class ReconcileContext implements Context<SshTunnel> {

    private final SshTunnel primary;
    private final List<HasMetadata> secondaries;
    private final Map<Object, Object> shared = new HashMap<>();

    private ReconcileContext(SshTunnel primary, List<HasMetadata> secondaries) {
        this.primary = primary;
        this.secondaries = secondaries;
    }

    /** The reconcile of {@code primary} with these objects in the caches (a bastion, the tunnel's Namespace, ...). */
    public static ReconcileContext of(SshTunnel primary, HasMetadata... secondaries) {
        return new ReconcileContext(primary, List.of(secondaries));
    }

    @Override
    public <R> Set<R> getSecondaryResources(Class<R> expectedType) {
        Set<R> found = new LinkedHashSet<>();
        secondaries.stream().filter(expectedType::isInstance).map(expectedType::cast).forEach(found::add);
        return found;
    }

    @Override
    public <R> Optional<R> getSecondaryResource(Class<R> expectedType, String eventSourceName) {
        return getSecondaryResources(expectedType).stream().findFirst();
    }

    @Override
    public ManagedWorkflowAndDependentResourceContext managedWorkflowAndDependentResourceContext() {
        return new ManagedWorkflowAndDependentResourceContext() {
            @Override
            public <T> Optional<T> get(Object key, Class<T> expectedType) {
                return Optional.ofNullable(shared.get(key)).map(expectedType::cast);
            }

            @Override
            @SuppressWarnings("unchecked")
            public <T> T put(Object key, T object) {
                return (T) shared.put(key, object);
            }

            @Override
            public <T> T getMandatory(Object key, Class<T> expectedType) {
                return get(key, expectedType).orElseThrow();
            }

            @Override
            public Optional<WorkflowReconcileResult> getWorkflowReconcileResult() {
                return Optional.empty();
            }

            @Override
            public Optional<WorkflowCleanupResult> getWorkflowCleanupResult() {
                return Optional.empty();
            }

            @Override
            public WorkflowReconcileResult reconcileManagedWorkflow() {
                throw new UnsupportedOperationException("no workflow in a unit test");
            }

            @Override
            public WorkflowCleanupResult cleanupManageWorkflow() {
                throw new UnsupportedOperationException("no workflow in a unit test");
            }
        };
    }

    @Override
    public SshTunnel getPrimaryResource() {
        return primary;
    }

    @Override
    public Optional<RetryInfo> getRetryInfo() {
        return Optional.empty();
    }

    @Override
    public boolean isNextReconciliationImminent() {
        return false;
    }

    @Override
    public ControllerConfiguration<SshTunnel> getControllerConfiguration() {
        throw new UnsupportedOperationException("no controller in a unit test");
    }

    @Override
    public EventSourceRetriever<SshTunnel> eventSourceRetriever() {
        throw new UnsupportedOperationException("no event sources in a unit test");
    }

    @Override
    public KubernetesClient getClient() {
        throw new UnsupportedOperationException("no cluster in a unit test");
    }

    @Override
    public ExecutorService getWorkflowExecutorService() {
        throw new UnsupportedOperationException("no workflow in a unit test");
    }

    @Override
    public IndexedResourceCache<SshTunnel> getPrimaryCache() {
        throw new UnsupportedOperationException("no caches in a unit test");
    }
}
