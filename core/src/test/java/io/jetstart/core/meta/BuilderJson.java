package io.jetstart.core.meta;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the config builders' tests check of the JSON a builder writes. */
final class BuilderJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BuilderJson() {
    }

    /** The object's keys, in the order they are written. */
    static List<String> keys(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** A copy of {@code json} with each of {@code values} put at its key (in its place when the key is there). */
    static ObjectNode with(ObjectNode json, Map<String, ?> values) {
        ObjectNode out = json.deepCopy();
        values.forEach((k, v) -> out.set(k, JSON.valueToTree(v)));
        return out;
    }

    /**
     * {@code changed} (a builder's JSON after one setter) holds {@code key} with the value
     * {@code json} (as the server writes it), and every other key as {@code defaults} has it.
     */
    static void assertSetterWritesOnly(String key, String json, ObjectNode changed, ObjectNode defaults) throws Exception {
        assertThat(changed.get(key)).as(key).isEqualTo(JSON.readTree(json));
        Map<String, JsonNode> others = new LinkedHashMap<>();
        changed.properties().forEach(e -> others.put(e.getKey(), e.getValue()));
        others.remove(key);
        Map<String, JsonNode> before = new LinkedHashMap<>();
        defaults.properties().forEach(e -> before.put(e.getKey(), e.getValue()));
        before.remove(key);
        assertThat(others).as("keys other than " + key).isEqualTo(before);
    }
}
