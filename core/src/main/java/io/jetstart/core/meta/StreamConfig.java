package io.jetstart.core.meta;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.meta.JsonFields.Field;
import io.jetstart.core.meta.JsonFields.Type;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A stream's {@code meta.inf}: the JSON of nats-server's {@code FileStreamInfo} ({@code "Created"}
 * followed by the flattened {@code StreamConfig}, spec §2.1).
 *
 * <p>Keeps the exact bytes it was parsed from and the whole JSON object, key order and unknown keys
 * included, so that nothing is lost when a tool shows or rewrites it. The typed getters apply the
 * defaults nats-server applies when it restores the stream ({@code checkStreamCfg}): an absent or
 * zero {@code max_msgs} reads as -1, and so on. Immutable.
 */
public final class StreamConfig {

    /** {@code retention}. */
    public enum Retention { LIMITS, INTEREST, WORKQUEUE }

    /** {@code discard}. */
    public enum Discard { OLD, NEW }

    /** Every key nats-server 2.9 through HEAD writes in a stream meta.inf, with its Go type. */
    static final Map<String, Field> KNOWN = known();

    /** The checked values, key order and unknown keys kept ({@link JsonFields#parseFields}). */
    private final Map<String, Object> json;
    private final byte[] original;
    /** The Jackson tree, built from {@link #original} on the first {@link #json()} call: recovery needs none. */
    private volatile ObjectNode tree;

    private StreamConfig(Map<String, Object> json, byte[] original) {
        this.json = json;
        this.original = original;
    }

    /**
     * Parses a plaintext meta.inf leniently (unknown keys allowed, as Go's fallback decode).
     *
     * @throws FormatException if the JSON is malformed or a known key has a value nats-server
     *                         would refuse to decode
     */
    public static StreamConfig parse(byte[] metaInf) throws FormatException {
        return parseOwned(metaInf.clone());
    }

    /**
     * As {@link #parse}, keeping {@code metaInf} itself as the original bytes: for
     * {@link MetaFiles}, whose array was just read and is held by no one else (the copy
     * {@link #parse} makes was ~0.5 MB of a recovery of 1,000 streams).
     */
    static StreamConfig parseOwned(byte[] metaInf) throws FormatException {
        return new StreamConfig(JsonFields.parseFields(metaInf, KNOWN, "stream meta.inf"), metaInf);
    }

    /** {@code b} is the very array this config keeps as its original bytes, not a copy ({@link StreamMeta}). */
    boolean keeps(byte[] b) {
        return b == original;
    }

    /**
     * A builder for a new stream's config with typed setters named after the server's fields
     * ({@link StreamConfigBuilder}); its {@code build()} gives what {@link #parse} gives for the
     * JSON nats-server writes for the same settings.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid stream name
     */
    public static StreamConfigBuilder builder(String name) {
        return StreamConfigBuilder.named(name);
    }

    /**
     * A builder that starts from this config, every key kept (unknown ones and {@code "Created"}
     * included) unless a setter replaces it: for an update, e.g.
     * {@code store.updateStream(account, s.config().toBuilder().maxMsgs(10).build())}.
     */
    public StreamConfigBuilder toBuilder() {
        return StreamConfigBuilder.from(this);
    }

    /** The exact bytes this config was parsed from. */
    public byte[] originalBytes() {
        return original.clone();
    }

    /** A deep copy of the whole JSON object, unknown keys and key order included. */
    public ObjectNode json() {
        ObjectNode t = tree;
        if (t == null) {
            // Two threads may both build it: the same tree from the same bytes, either one kept.
            t = JsonTree.readTree(original);
            tree = t;
        }
        return JsonTree.copy(t);
    }

    public String name() {
        return JsonFields.text(json, "name", "");
    }

    /** {@code description}, "" when absent or null. */
    public String description() {
        return JsonFields.text(json, "description", "");
    }

    /** {@code num_replicas} as written; 0 when absent or null (the server then takes 1). */
    public long replicas() {
        return JsonFields.int64(json, "num_replicas", 0);
    }

    /**
     * The size the server gives {@code metadata} when it checks it against its limit: the UTF-8
     * bytes of every key and value added up (a null value counts as "").
     */
    public long metadataBytes() {
        if (!(json.get("metadata") instanceof Map<?, ?> m)) {
            return 0;
        }
        long n = 0;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            n += utf8Length(e.getKey());
            n += e.getValue() instanceof String v ? utf8Length(v) : 0;
        }
        return n;
    }

    /**
     * The top-level keys that are not among those nats-server 2.9 through HEAD writes, in file
     * order: a newer server's, a tool's, or a known key in other letter case (Go's decoder would
     * read {@code MAX_MSGS} as {@code max_msgs}; the getters here do not).
     */
    public List<String> unknownKeys() {
        List<String> out = new java.util.ArrayList<>();
        for (String k : json.keySet()) {
            if (!KNOWN.containsKey(k)) {
                out.add(k);
            }
        }
        return out;
    }

    /**
     * The keys of the objects nats-server decodes into structs of its own that the runtime reads
     * ({@code placement}, {@code consumer_limits}), every key of each from 2.9 through HEAD. 2.11+
     * decode strictly at every level, so an unknown key inside one is refused as a top-level one
     * is; the other objects ({@code mirror}, {@code sources}, ...) already make a stream read-only.
     */
    static final Map<String, List<String>> KNOWN_INNER = Map.of(
            "placement", List.of("cluster", "tags", "preferred"),
            "consumer_limits", List.of("inactive_threshold", "max_ack_pending"));

    /**
     * The keys inside {@code placement} and {@code consumer_limits} that are not among those
     * nats-server writes there, each as {@code <object>.<key>} in file order (see {@link #unknownKeys}).
     */
    public List<String> unknownInnerKeys() {
        List<String> out = new java.util.ArrayList<>();
        for (Map.Entry<String, Object> e : json.entrySet()) {
            List<String> known = KNOWN_INNER.get(e.getKey());
            if (known != null && e.getValue() instanceof Map<?, ?> inner) {
                for (Object k : inner.keySet()) {
                    if (!known.contains(k)) {
                        out.add(e.getKey() + "." + k);
                    }
                }
            }
        }
        return out;
    }

    /**
     * For {@code <object>.<key>} as {@link #unknownInnerKeys} gives it: the known key of that
     * object in other letter case ({@code consumer_limits.MAX_ACK_PENDING}:
     * {@code consumer_limits.max_ack_pending}), or null.
     */
    public static String knownInnerKeyIgnoringCase(String path) {
        int dot = path.indexOf('.');
        List<String> keys = dot < 0 ? null : KNOWN_INNER.get(path.substring(0, dot));
        if (keys != null) {
            for (String k : keys) {
                if (k.equalsIgnoreCase(path.substring(dot + 1))) {
                    return path.substring(0, dot + 1) + k;
                }
            }
        }
        return null;
    }

    /** The known key {@code key} is in other letter case ({@code MAX_MSGS}: {@code max_msgs}), or null. */
    public static String knownKeyIgnoringCase(String key) {
        return JsonFields.knownIgnoringCase(KNOWN.keySet(), key);
    }

    private static long utf8Length(Object s) {
        return s.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** The raw RFC 3339 value of {@code "Created"}, or "" when absent. */
    public String created() {
        return JsonFields.text(json, "Created", "");
    }

    /** {@code "Created"} as an instant; empty when absent or Go's zero time (the server then keeps "now"). */
    public Optional<Instant> createdInstant() {
        return JsonFields.created(json);
    }

    /**
     * The configured subjects; when none are configured and the stream neither mirrors nor sources,
     * nats-server listens on the stream name, and so does this getter.
     */
    public List<String> subjects() {
        List<String> subjects = JsonFields.strings(json, "subjects");
        if (subjects.isEmpty() && !hasMirror() && !hasSources()) {
            return List.of(name());
        }
        return subjects;
    }

    public Retention retention() {
        return switch (JsonFields.text(json, "retention", "limits")) {
            case "interest" -> Retention.INTEREST;
            case "workqueue" -> Retention.WORKQUEUE;
            default -> Retention.LIMITS;
        };
    }

    /** -1 = unlimited (absent, 0 and anything below -1 all mean unlimited to the server). */
    public long maxMsgs() {
        return unlimitedIfNotPositive(JsonFields.int64(json, "max_msgs", 0));
    }

    /** -1 = unlimited. */
    public long maxBytes() {
        return unlimitedIfNotPositive(JsonFields.int64(json, "max_bytes", 0));
    }

    /** 0 = no age limit. */
    public long maxAgeNanos() {
        return JsonFields.int64(json, "max_age", 0);
    }

    /** -1 = unlimited. */
    public long maxMsgsPerSubject() {
        return unlimitedIfNotPositive(JsonFields.int64(json, "max_msgs_per_subject", 0));
    }

    public Discard discard() {
        return "new".equalsIgnoreCase(JsonFields.text(json, "discard", "old")) ? Discard.NEW : Discard.OLD;
    }

    /** "file" or "memory". */
    public String storage() {
        return JsonFields.text(json, "storage", "file");
    }

    /** "none" or "s2". */
    public String compression() {
        return JsonFields.text(json, "compression", "none");
    }

    /** The configured first sequence (unsigned), 0 when unset. */
    public long firstSeq() {
        return JsonFields.uint64(json, "first_seq");
    }

    /** 0 when subject delete markers are off. */
    public long subjectDeleteMarkerTtlNanos() {
        return JsonFields.int64(json, "subject_delete_marker_ttl", 0);
    }

    /** {@code max_msg_size}: -1 when absent or null (the server's "unlimited" is any value below 1). */
    public long maxMsgSize() {
        return JsonFields.int64(json, "max_msg_size", -1);
    }

    /** {@code duplicate_window} in nanoseconds as written; 0 when absent or null (the server's default then applies). */
    public long duplicateWindowNanos() {
        return JsonFields.int64(json, "duplicate_window", 0);
    }

    /**
     * Whether the boolean key {@code key} (one of the server's flags: {@code sealed},
     * {@code deny_delete}, {@code allow_msg_ttl}, ...) is JSON {@code true}; absent, null and any
     * other value read as false (the parser refuses anything but a boolean or null for the
     * server's known flags; unlike the tree's {@code asBoolean()}, {@code 1} or {@code "true"} under
     * another key is not true). Read from the parsed values, without the Jackson tree {@link #json()} builds.
     */
    public boolean flag(String key) {
        return JsonFields.bool(json, key);
    }

    /** Whether {@code key} holds an object with at least one key ({@code subject_transform}, {@code republish}, ...). */
    public boolean hasNonEmptyObject(String key) {
        return json.get(key) instanceof Map<?, ?> m && !m.isEmpty();
    }

    public boolean hasMirror() {
        Object m = json.get("mirror");
        return m != null && m != MetaJson.NULL;
    }

    public boolean hasSources() {
        return json.get("sources") instanceof List<?> s && !s.isEmpty();
    }

    /**
     * True when the key set shows a nats-server 2.9.x writer: neither {@code "compression"} nor
     * {@code "consumer_limits"} is present.
     *
     * <p>A heuristic, not a version stamp: 2.10 added both keys and writes them always (neither is
     * {@code omitempty}; spec §2.1 key sets, checked against real 2.9.10, 2.10.27 and 2.15.1 files),
     * so their joint absence means a 2.9 writer or a hand-made file. It matters because a 2.9 store
     * keeps its deletes only in per-block {@code .idx} files (spec §4.7).
     */
    public boolean writtenByLegacyServer() {
        return !json.containsKey("compression") && !json.containsKey("consumer_limits");
    }

    /** Whether the meta.inf has the top-level key {@code key} (whatever its value). */
    public boolean has(String key) {
        return json.containsKey(key);
    }

    /** Whether {@code metadata} holds the key {@code key}. */
    public boolean hasMetadata(String key) {
        return json.get("metadata") instanceof Map<?, ?> m && m.containsKey(key);
    }

    private static long unlimitedIfNotPositive(long v) {
        return v <= 0 ? -1 : v;
    }

    private static Map<String, Field> known() {
        Map<String, Field> m = new LinkedHashMap<>();
        m.put("Created", Field.of(Type.TIME));
        m.put("name", Field.of(Type.STRING));
        m.put("description", Field.of(Type.STRING));
        m.put("subjects", Field.of(Type.STRING_LIST));
        m.put("retention", Field.oneOf("limits", "interest", "workqueue"));
        m.put("max_consumers", Field.of(Type.INT64));
        m.put("max_msgs", Field.of(Type.INT64));
        m.put("max_bytes", Field.of(Type.INT64));
        m.put("max_age", Field.of(Type.INT64));
        m.put("max_msgs_per_subject", Field.of(Type.INT64));
        m.put("max_msg_size", Field.of(Type.INT32));
        m.put("discard", Field.oneOfIgnoringCase("old", "new"));
        m.put("storage", Field.oneOf("file", "memory"));
        m.put("num_replicas", Field.of(Type.INT64));
        m.put("no_ack", Field.of(Type.BOOL));
        m.put("template_owner", Field.of(Type.STRING));
        m.put("duplicate_window", Field.of(Type.INT64));
        m.put("placement", Field.of(Type.OBJECT));
        m.put("mirror", Field.of(Type.OBJECT));
        m.put("sources", Field.of(Type.OBJECT_LIST));
        m.put("compression", Field.oneOf("none", "s2"));
        m.put("first_seq", Field.of(Type.UINT64));
        m.put("subject_transform", Field.of(Type.OBJECT));
        m.put("republish", Field.of(Type.OBJECT));
        for (String flag : List.of("allow_direct", "mirror_direct", "discard_new_per_subject", "sealed", "deny_delete",
                "deny_purge", "allow_rollup_hdrs", "allow_msg_ttl", "allow_msg_counter", "allow_atomic",
                "allow_msg_schedules", "allow_batched")) {
            m.put(flag, Field.of(Type.BOOL));
        }
        m.put("consumer_limits", Field.of(Type.OBJECT));
        m.put("subject_delete_marker_ttl", Field.of(Type.INT64));
        m.put("persist_mode", Field.oneOf("default", "async", ""));
        m.put("metadata", Field.of(Type.STRING_MAP));
        return Map.copyOf(m);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamConfig other && Arrays.equals(original, other.original);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(original);
    }

    @Override
    public String toString() {
        return "StreamConfig[" + json() + "]";
    }
}
