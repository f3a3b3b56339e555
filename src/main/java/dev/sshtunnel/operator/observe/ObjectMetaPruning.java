package dev.sshtunnel.operator.observe;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;

import dev.sshtunnel.operator.SshTunnelReconciler;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ObjectMeta;

/**
 * Every object the operator's client reads — list and watch answers of every informer, so every
 * cache — arrives without the API server's bookkeeping, which can be larger than the object itself:
 * kubectl apply's last-applied-configuration annotation (a second copy of the whole object) and the
 * managedFields of other field managers. Only the operator's own server-side-apply entry stays,
 * because JOSDK compares a dependent with its desired state through it; without it every reconcile
 * would apply again. That entry's field set is kept as text ({@link CompactFieldsV1}).
 * <p>
 * Done where the client reads JSON rather than in informer item stores: JOSDK gives one item store
 * instance to all the per-namespace informers of an event source (watchNamespaces), and a relist of
 * one of them would then drop the others' objects. Writes are unaffected: status is written through
 * the status subresource and dependents by server-side apply, neither of which takes metadata from
 * the object read.
 */
public final class ObjectMetaPruning {

    public static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
    private static final String APPLY = "Apply";

    private ObjectMetaPruning() {
    }

    /** Every ObjectMeta and managed-fields set {@code mapper} reads from then on is pruned as described above. */
    static void register(ObjectMapper mapper) {
        mapper.registerModule(new SimpleModule("sshtunnel-object-meta-pruning").setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public JsonDeserializer<?> modifyDeserializer(DeserializationConfig config, BeanDescription bean,
                    JsonDeserializer<?> deserializer) {
                if (bean.getBeanClass() == ObjectMeta.class) {
                    return new Pruning(deserializer);
                }
                return bean.getBeanClass() == FieldsV1.class ? new CompactFieldsV1.Deserializer() : deserializer;
            }
        }));
    }

    static void prune(ObjectMeta metadata) {
        if (metadata.getAnnotations() != null) {
            metadata.getAnnotations().remove(LAST_APPLIED);
        }
        List<ManagedFieldsEntry> managed = metadata.getManagedFields();
        if (managed != null && !managed.isEmpty()) {
            metadata.setManagedFields(managed.stream()
                    .filter(entry -> SshTunnelReconciler.NAME.equals(entry.getManager()) && APPLY.equals(entry.getOperation()))
                    .toList());
        }
    }

    private static final class Pruning extends DelegatingDeserializer {

        Pruning(JsonDeserializer<?> delegate) {
            super(delegate);
        }

        @Override
        protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> delegate) {
            return new Pruning(delegate);
        }

        @Override
        public Object deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            Object value = super.deserialize(parser, context);
            if (value instanceof ObjectMeta metadata) {
                prune(metadata);
            }
            return value;
        }
    }
}
