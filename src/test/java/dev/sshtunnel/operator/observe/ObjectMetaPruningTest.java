package dev.sshtunnel.operator.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/** What every object the operator reads keeps of the API server's bookkeeping, and in which form. */
class ObjectMetaPruningTest {

    private static final String OURS = """
            {"f:metadata":{"f:labels":{"f:app.kubernetes.io/managed-by":{}},"f:ownerReferences":{"k:{\\"uid\\":\\"u1\\"}":{}}},
             "f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"forwarder\\"}":{".":{},"f:image":{}}}}}}}""";
    private static final String DEPLOYMENT = """
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"db","namespace":"team-a",
              "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\\"a copy\\":1}","keep":"me"},
              "managedFields":[
               {"manager":"sshtunnel","operation":"Apply","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":%s},
               {"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","fieldsType":"FieldsV1",
                "fieldsV1":{"f:status":{"f:replicas":{}}},"subresource":"status"},
               {"manager":"sshtunnel","operation":"Update","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:x":{}}}]},
             "spec":{"replicas":1}}""".formatted(OURS);

    private final ObjectMapper plain = new ObjectMapper();
    private final ObjectMapper pruning = new ObjectMapper();

    ObjectMetaPruningTest() {
        ObjectMetaPruning.register(pruning);
    }

    @Test
    void onlyTheOperatorsOwnApplyEntryStaysWithItsFieldsIntact() throws Exception {
        Deployment read = pruning.readValue(DEPLOYMENT, Deployment.class);

        assertThat(read.getMetadata().getAnnotations()).containsOnlyKeys("keep");
        assertThat(read.getMetadata().getManagedFields()).singleElement().satisfies(entry -> {
            assertThat(entry.getManager()).isEqualTo("sshtunnel");
            assertThat(entry.getOperation()).isEqualTo("Apply");
            assertThat(entry.getFieldsV1()).isInstanceOf(CompactFieldsV1.class);
            assertThat(entry.getFieldsV1().getAdditionalProperties()).isEqualTo(map(OURS));
        });
    }

    @Test
    void theFieldSetIsHeldAsTextSmallerThanItsParsedMaps() throws Exception {
        Deployment read = pruning.readValue(DEPLOYMENT, Deployment.class);
        CompactFieldsV1 fields = (CompactFieldsV1) read.getMetadata().getManagedFields().get(0).getFieldsV1();

        assertThat(fields.size()).isEqualTo(plain.writeValueAsBytes(map(OURS)).length);
    }

    @Test
    void writtenBackAndReadAgainTheObjectIsUnchanged() throws Exception {
        // JOSDK clones cached objects through the client's serialisation and its matcher converts them to maps.
        Deployment read = pruning.readValue(DEPLOYMENT, Deployment.class);
        String written = pruning.writeValueAsString(read);

        Map<?, ?> metadata = (Map<?, ?>) map(written).get("metadata");
        Map<?, ?> entry = (Map<?, ?>) ((List<?>) metadata.get("managedFields")).get(0);
        assertThat(entry.get("fieldsV1")).isEqualTo(map(OURS));
        assertThat(pruning.readValue(written, Deployment.class)).isEqualTo(read);
    }

    @Test
    void aMapHandedOutIsACopy() throws Exception {
        ManagedFieldsEntry entry = pruning.readValue(DEPLOYMENT, Deployment.class).getMetadata().getManagedFields().get(0);
        entry.getFieldsV1().getAdditionalProperties().put("f:other", Map.of());

        assertThat(entry.getFieldsV1().getAdditionalProperties()).isEqualTo(map(OURS));
        int before = entry.getFieldsV1().hashCode();
        assertThat(before).as("hashed as FieldsV1 hashes its map").isEqualTo(map(OURS).hashCode());
        entry.getFieldsV1().setAdditionalProperty("f:other", Map.of());
        assertThat(entry.getFieldsV1().getAdditionalProperties()).containsKey("f:other");
        assertThat(entry.getFieldsV1().hashCode()).as("hashed again after a change")
                .isEqualTo(entry.getFieldsV1().getAdditionalProperties().hashCode()).isNotEqualTo(before);
    }

    private Map<String, Object> map(String json) throws Exception {
        return plain.readValue(json, new TypeReference<>() {
        });
    }
}
