package io.jetstart.core.meta;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.meta.JsonFields.Field;
import io.jetstart.core.meta.JsonFields.Type;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A consumer's {@code meta.inf}: the JSON of nats-server's {@code FileConsumerInfo}
 * ({@code "Created"}, {@code "Name"}, then the flattened {@code ConsumerConfig}, spec §2.3).
 *
 * <p>Like {@link StreamConfig}: the exact bytes and the whole JSON object are kept; getters apply
 * the server's defaults. Note {@code "Name"} (the consumer's name, capital N) and {@code "name"}
 * (a config field) are different keys. Immutable.
 */
public final class ConsumerConfig {

    static final Map<String, Field> KNOWN = known();

    /** The checked values, key order and unknown keys kept ({@link JsonFields#parseFields}). */
    private final Map<String, Object> json;
    private final byte[] original;
    /** The Jackson tree, built from {@link #original} on the first {@link #json()} call: recovery needs none. */
    private volatile ObjectNode tree;

    private ConsumerConfig(Map<String, Object> json, byte[] original) {
        this.json = json;
        this.original = original;
    }

    /** Parses a plaintext consumer meta.inf leniently. */
    public static ConsumerConfig parse(byte[] metaInf) throws FormatException {
        return parseOwned(metaInf.clone());
    }

    /** As {@link #parse}, keeping {@code metaInf} itself: for {@link MetaFiles}' array, just read and held by no one else. */
    static ConsumerConfig parseOwned(byte[] metaInf) throws FormatException {
        return new ConsumerConfig(JsonFields.parseFields(metaInf, KNOWN, "consumer meta.inf"), metaInf);
    }

    /** {@code b} is the very array this config keeps as its original bytes, not a copy ({@link ConsumerMeta}). */
    boolean keeps(byte[] b) {
        return b == original;
    }

    /**
     * A builder for a pull consumer's config with typed setters named after the server's fields
     * ({@link ConsumerConfigBuilder}): ephemeral unless given a {@code durableName}.
     */
    public static ConsumerConfigBuilder builder() {
        return ConsumerConfigBuilder.empty();
    }

    /**
     * A builder that starts from this config, every key kept unless a setter replaces it: for an
     * update, e.g. {@code stream.updateConsumer(c.config().toBuilder().maxAckPending(50).build())}.
     */
    public ConsumerConfigBuilder toBuilder() {
        return ConsumerConfigBuilder.from(this);
    }

    public byte[] originalBytes() {
        return original.clone();
    }

    /** A deep copy of the whole JSON object. */
    public ObjectNode json() {
        ObjectNode t = tree;
        if (t == null) {
            // Two threads may both build it: the same tree from the same bytes, either one kept.
            t = JsonTree.readTree(original);
            tree = t;
        }
        return JsonTree.copy(t);
    }

    /** {@code "Name"}, else {@code durable_name}, else {@code name}; "" if none is set. */
    public String name() {
        for (String key : List.of("Name", "durable_name", "name")) {
            String v = JsonFields.text(json, key, "");
            if (!v.isEmpty()) {
                return v;
            }
        }
        return "";
    }

    public String created() {
        return JsonFields.text(json, "Created", "");
    }

    public Optional<Instant> createdInstant() {
        return JsonFields.created(json);
    }

    /** "" for an ephemeral consumer (restored as a durable named after its directory, then switched back). */
    public String durableName() {
        return JsonFields.text(json, "durable_name", "");
    }

    /**
     * "all", "last", "new", "by_start_sequence", "by_start_time" or "last_per_subject"; the legacy
     * "undefined" and an absent key read as "all", as in the server.
     */
    public String deliverPolicy() {
        String p = JsonFields.text(json, "deliver_policy", "all");
        return p.equals("undefined") ? "all" : p;
    }

    /** "none", "all", "explicit" (or "flow_control" on HEAD servers); absent reads as "none", Go's zero value. */
    public String ackPolicy() {
        return JsonFields.text(json, "ack_policy", "none");
    }

    /** {@code filter_subject} (when set) followed by {@code filter_subjects}. */
    public List<String> filterSubjects() {
        List<String> out = new ArrayList<>();
        String single = JsonFields.text(json, "filter_subject", "");
        if (!single.isEmpty()) {
            out.add(single);
        }
        out.addAll(JsonFields.strings(json, "filter_subjects"));
        return List.copyOf(out);
    }

    /** -1 = unlimited; the server turns an absent or 0 value into -1. */
    public long maxDeliver() {
        long v = JsonFields.int64(json, "max_deliver", 0);
        return v == 0 ? -1 : v;
    }

    /**
     * The value of the integer key {@code key} as written (no server default applied; absent or
     * null reads as 0): for the checks nats-server runs on a restored consumer. Read from the parsed
     * values, without the Jackson tree {@link #json()} builds.
     */
    public long int64(String key) {
        return JsonFields.int64(json, key, 0);
    }

    /** The string key {@code key} as written; "" when absent or null. */
    public String text(String key) {
        String v = JsonFields.text(json, key, "");
        return v == null ? "" : v;
    }

    /** Whether the boolean key {@code key} is JSON {@code true}. */
    public boolean flag(String key) {
        return JsonFields.bool(json, key);
    }

    /** Whether the meta.inf has the key {@code key} with a value other than null. */
    public boolean hasValue(String key) {
        Object v = json.get(key);
        return v != null && v != MetaJson.NULL;
    }

    /** The length of the list key {@code key} ({@code backoff}, {@code filter_subjects}); 0 when absent. */
    public int listSize(String key) {
        return json.get(key) instanceof List<?> l ? l.size() : 0;
    }

    /** The strings of the list key {@code key} as written ({@code priority_groups}); empty when absent. */
    public List<String> strings(String key) {
        return JsonFields.strings(json, key);
    }

    /** The values of {@code backoff} as written, in nanoseconds. */
    public long[] backoff() {
        if (!(json.get("backoff") instanceof List<?> l)) {
            return new long[0];
        }
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = l.get(i) instanceof Number n ? n.longValue() : 0;
        }
        return out;
    }

    /** The UTF-8 bytes of every key and value of {@code metadata}, as the server adds them up for its limit. */
    public long metadataBytes() {
        if (!(json.get("metadata") instanceof Map<?, ?> m)) {
            return 0;
        }
        long n = 0;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            n += String.valueOf(e.getKey()).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            n += e.getValue() instanceof String v ? v.getBytes(java.nio.charset.StandardCharsets.UTF_8).length : 0;
        }
        return n;
    }

    /**
     * The top-level keys that are not among those nats-server 2.9 through HEAD writes, in file
     * order: a newer server's, a tool's, or a known key in other letter case (Go's decoder reads
     * {@code ACK_POLICY} as {@code ack_policy}; the getters here do not).
     */
    public List<String> unknownKeys() {
        List<String> out = new ArrayList<>();
        for (String k : json.keySet()) {
            if (!KNOWN.containsKey(k)) {
                out.add(k);
            }
        }
        return out;
    }

    /** The known key {@code key} is in other letter case ({@code ACK_POLICY}: {@code ack_policy}), or null. */
    public static String knownKeyIgnoringCase(String key) {
        return JsonFields.knownIgnoringCase(KNOWN.keySet(), key);
    }

    private static Map<String, Field> known() {
        Map<String, Field> m = new LinkedHashMap<>();
        m.put("Created", Field.of(Type.TIME));
        m.put("Name", Field.of(Type.STRING));
        for (String s : List.of("durable_name", "name", "description", "filter_subject", "sample_freq",
                "deliver_subject", "deliver_group")) {
            m.put(s, Field.of(Type.STRING));
        }
        m.put("deliver_policy", Field.oneOf("all", "undefined", "last", "last_per_subject", "new",
                "by_start_sequence", "by_start_time"));
        m.put("opt_start_seq", Field.of(Type.UINT64));
        m.put("opt_start_time", Field.of(Type.TIME));
        m.put("ack_policy", Field.oneOf("none", "all", "explicit", "flow_control"));
        for (String i : List.of("ack_wait", "max_deliver", "max_waiting", "max_ack_pending", "max_batch", "max_expires",
                "max_bytes", "idle_heartbeat", "inactive_threshold", "num_replicas", "priority_timeout")) {
            m.put(i, Field.of(Type.INT64));
        }
        m.put("backoff", Field.of(Type.INT64_LIST));
        m.put("filter_subjects", Field.of(Type.STRING_LIST));
        m.put("replay_policy", Field.oneOf("instant", "original"));
        m.put("rate_limit_bps", Field.of(Type.UINT64));
        for (String b : List.of("flow_control", "headers_only", "mem_storage", "direct", "sourcing")) {
            m.put(b, Field.of(Type.BOOL));
        }
        m.put("metadata", Field.of(Type.STRING_MAP));
        m.put("pause_until", Field.of(Type.TIME));
        m.put("priority_groups", Field.of(Type.STRING_LIST));
        m.put("priority_policy", Field.oneOf("none", "overflow", "pinned_client", "prioritized"));
        return Map.copyOf(m);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConsumerConfig other && Arrays.equals(original, other.original);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(original);
    }

    @Override
    public String toString() {
        return "ConsumerConfig[" + json() + "]";
    }
}
