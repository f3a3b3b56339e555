package dev.sshtunnel.operator.observe;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.FieldsV1;

/**
 * A managed-fields entry's field set kept as its JSON text and parsed only when asked for. Parsed, the field set of
 * one Deployment is some seventy nested maps (most of them the empty {@code {}} that marks a leaf), and every cached
 * object the operator applied carries one: at 1,000 tunnels these maps were the largest thing on the heap (~45 MB,
 * bench/control-plane.sh's histogram). Only JOSDK's server-side-apply matcher reads them, once per reconcile of a
 * dependent, so parsing a couple of kilobytes then costs less than holding the maps all the time.
 * <p>
 * Read-only by intent: the setters materialise nothing and replace the text, so a caller that edits the map it got
 * back edits a copy.
 */
final class CompactFieldsV1 extends FieldsV1 {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private byte[] json;
    /**
     * The parsed map's hash, kept once computed: JOSDK hands out secondary resources in sets, so every reconcile hashes
     * the cached objects, and parsing the text again for each was work this class added to that path.
     */
    private volatile Integer hash;

    private CompactFieldsV1(byte[] json) {
        this.json = json;
    }

    /** A fresh map each call (JOSDK's matcher walks it and keeps nothing). */
    @Override
    @JsonAnyGetter
    public Map<String, Object> getAdditionalProperties() {
        try {
            return JSON.readValue(json, MAP);
        } catch (IOException e) {
            throw new UncheckedIOException("managed fields of a cached object", e);
        }
    }

    @Override
    public void setAdditionalProperty(String name, Object value) {
        Map<String, Object> fields = getAdditionalProperties();
        fields.put(name, value);
        setAdditionalProperties(fields);
    }

    @Override
    public void setAdditionalProperties(Map<String, Object> fields) {
        try {
            json = JSON.writeValueAsBytes(fields);
            hash = null;
        } catch (IOException e) {
            throw new UncheckedIOException("managed fields", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        if (other instanceof CompactFieldsV1 compact && Arrays.equals(json, compact.json)) {
            return true;
        }
        return other instanceof FieldsV1 fields && getAdditionalProperties().equals(fields.getAdditionalProperties());
    }

    /** FieldsV1's own (the map's), so a compact and a parsed field set that are equal hash alike. */
    @Override
    public int hashCode() {
        Integer known = hash;
        if (known == null) {
            known = getAdditionalProperties().hashCode();
            hash = known;
        }
        return known;
    }

    @Override
    public String toString() {
        return "CompactFieldsV1(" + json.length + " bytes)";
    }

    int size() {
        return json.length;
    }

    /** Copies the field set's JSON from the parser token by token: no map is ever built while reading. */
    static final class Deserializer extends JsonDeserializer<FieldsV1> {

        @Override
        public FieldsV1 deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            try (JsonGenerator copy = JSON.getFactory().createGenerator(out)) {
                copy.copyCurrentStructure(parser);
            }
            return new CompactFieldsV1(out.toByteArray());
        }
    }
}
