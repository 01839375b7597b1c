package io.jetstart.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fields compared between nats-server and jetstart (fixtures/README.md), taken out of either
 * side's JSON. Both use the server's field names; jetstart's {@code inspect --json} wraps them as
 * {@code {"account","name","state":{...},"consumers":[...]}}.
 *
 * <p>{@link #stream} keeps the server's omissions ({@code num_deleted}, {@code deleted},
 * {@code num_subjects}, {@code subjects} absent when zero or empty), so an oracle reads like
 * {@code oracle.json}. {@link #normalized} fills every absent field with its zero value, so the
 * comparison does not depend on either side's omission rules.
 */
final class ComparedFields {

    static final List<String> STATE_FIELDS = List.of("messages", "bytes", "first_seq", "first_ts", "last_seq",
            "last_ts", "num_deleted", "deleted", "num_subjects", "subjects", "consumer_count");
    static final List<String> CONSUMER_FIELDS = List.of("delivered", "ack_floor", "num_ack_pending",
            "num_redelivered", "num_pending");
    static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    private ComparedFields() {
    }

    /** The compared view of one stream from its {@code state} object and consumer infos. */
    static ObjectNode stream(ObjectMapper json, String account, String name, JsonNode state, List<JsonNode> consumers) {
        ObjectNode s = json.createObjectNode().put("account", account).put("name", name);
        ObjectNode st = s.putObject("state");
        for (String f : STATE_FIELDS) {
            JsonNode v = state.get(f);
            if (v == null || v.isNull()) {
                continue;
            }
            if (f.equals("subjects")) {
                st.set(f, sortedObject(json, v));
            } else {
                st.set(f, v.deepCopy());
            }
        }
        if (state.has("lost")) {
            // Not compared (fixtures/README.md); kept so a reader of a crash test sees it.
            st.set("lost", state.get("lost").deepCopy());
        }
        ArrayNode cs = s.putArray("consumers");
        List<JsonNode> sorted = new ArrayList<>(consumers);
        sorted.sort(Comparator.comparing(ComparedFields::consumerName));
        for (JsonNode c : sorted) {
            ObjectNode out = cs.addObject().put("name", consumerName(c));
            out.set("delivered", seqPair(json, c.path("delivered")));
            out.set("ack_floor", seqPair(json, c.path("ack_floor")));
            out.put("num_ack_pending", c.path("num_ack_pending").asLong());
            out.put("num_redelivered", c.path("num_redelivered").asLong());
            out.put("num_pending", c.path("num_pending").asLong());
        }
        return s;
    }

    /** The compared view of one stream of jetstart's JSON ({@code inspect}/{@code recover}). */
    static ObjectNode ofJetstart(ObjectMapper json, JsonNode stream) {
        List<JsonNode> consumers = new ArrayList<>();
        stream.path("consumers").forEach(consumers::add);
        return stream(json, stream.path("account").asText(), stream.path("name").asText(), stream.path("state"),
                consumers);
    }

    /** Every compared field present, absent ones at their zero value. */
    static ObjectNode normalized(ObjectMapper json, JsonNode compared) {
        ObjectNode n = json.createObjectNode()
                .put("account", compared.path("account").asText())
                .put("name", compared.path("name").asText());
        JsonNode state = compared.path("state");
        ObjectNode st = n.putObject("state");
        for (String f : STATE_FIELDS) {
            JsonNode v = state.get(f);
            switch (f) {
                case "first_ts", "last_ts" -> st.put(f, v == null || v.isNull() ? ZERO_TIME : v.asText());
                case "deleted" -> st.set(f, v == null || v.isNull() ? json.createArrayNode() : v.deepCopy());
                case "subjects" -> st.set(f, v == null || v.isNull() ? json.createObjectNode() : sortedObject(json, v));
                default -> st.put(f, v == null || v.isNull() ? 0L : v.asLong());
            }
        }
        n.set("consumers", compared.path("consumers").deepCopy());
        return n;
    }

    private static String consumerName(JsonNode consumerInfo) {
        String name = consumerInfo.path("name").asText("");
        return name.isEmpty() ? consumerInfo.path("config").path("durable_name").asText("") : name;
    }

    private static ObjectNode seqPair(ObjectMapper json, JsonNode pair) {
        return json.createObjectNode()
                .put("consumer_seq", pair.path("consumer_seq").asLong())
                .put("stream_seq", pair.path("stream_seq").asLong());
    }

    private static ObjectNode sortedObject(ObjectMapper json, JsonNode object) {
        Map<String, JsonNode> sorted = new TreeMap<>();
        object.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
        ObjectNode out = json.createObjectNode();
        sorted.forEach(out::set);
        return out;
    }
}
