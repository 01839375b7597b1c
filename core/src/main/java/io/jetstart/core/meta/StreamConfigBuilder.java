package io.jetstart.core.meta;

import static io.jetstart.core.meta.ConfigJson.bad;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.FormatException;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a {@link StreamConfig} with typed setters named after nats-server's JSON fields
 * ({@code max_msgs} is {@link #maxMsgs}), so that no application writes the JSON by hand:
 *
 * <pre>{@code
 * StreamConfig c = StreamConfig.builder("ORDERS")
 *         .subjects("orders.*")
 *         .maxMsgs(1_000_000)
 *         .maxAge(Duration.ofDays(7))
 *         .discard(StreamConfig.Discard.NEW)
 *         .build();
 * }</pre>
 *
 * <p>{@link #build} writes the JSON object nats-server 2.10 writes for the same config
 * ({@code FileStreamInfo} without {@code "Created"}, which the store stamps when it creates the
 * stream): every key the server always writes, in its order, with the server's defaults
 * ({@code checkStreamCfg}: -1 for no limit, one replica, the duplicate window of 2 minutes or
 * {@code max_age} when shorter, subjects = the name), the {@code omitempty} keys only when set,
 * durations in nanoseconds, strings escaped as Go escapes them ({@code >} as backslash-u003e;
 * {@link GoJsonWriter}). Those bytes then go through {@link StreamConfig#parse}, the one
 * reader of every config, so a built config and one read from a server's {@code meta.inf} are the
 * same kind of value.
 *
 * <p>Each setter checks its value against the range the server accepts and throws
 * {@link IllegalArgumentException} naming the JSON field; {@link #build} checks the rules between
 * fields. Nothing is clamped: a value the server would quietly change (a {@code max_msgs} below -1)
 * is refused. Not thread-safe; a builder may be used again after {@link #build}.
 *
 * <p>{@link StreamConfig#toBuilder} starts from an existing config for an update: every key it has
 * (unknown ones and {@code "Created"} included) is kept unless a setter replaces it.
 */
public final class StreamConfigBuilder {

    /** {@code compression}: how the server compresses sealed blocks. */
    public enum Compression { NONE, S2 }

    private static final JsonNodeFactory NODES = ConfigJson.NODES;
    /** {@code StreamDefaultDuplicatesWindow}. */
    static final Duration DEFAULT_DUPLICATE_WINDOW = Duration.ofMinutes(2);
    /** The shortest max_age and duplicate_window the server takes ({@code checkStreamCfg}). */
    private static final long MIN_WINDOW_NANOS = 100_000_000L;
    /** {@code StreamMaxReplicas}. */
    static final int MAX_REPLICAS = 5;

    /**
     * Every key of nats-server's {@code StreamConfig} in the order Go writes them (the struct's
     * field order, HEAD), so that a built config and a config rebuilt from an old one keep the
     * server's layout. Keys of a base config not listed here follow, in the base's order.
     */
    private static final List<String> ORDER = List.of("Created", "name", "description", "subjects", "retention",
            "max_consumers", "max_msgs", "max_bytes", "max_age", "max_msgs_per_subject", "max_msg_size", "discard",
            "storage", "num_replicas", "no_ack", "template_owner", "duplicate_window", "placement", "mirror", "sources",
            "compression", "first_seq", "subject_transform", "republish", "allow_direct", "mirror_direct",
            "discard_new_per_subject", "sealed", "deny_delete", "deny_purge", "allow_rollup_hdrs", "consumer_limits",
            "allow_msg_ttl", "subject_delete_marker_ttl", "allow_msg_counter", "allow_atomic", "allow_msg_schedules",
            "persist_mode", "allow_batched", "metadata");

    /** Keys 2.10 writes always (not {@code omitempty}), with the value it writes when none is given. */
    private static final Map<String, JsonNode> ALWAYS = always();

    /** The config this builder started from (empty for a new one); its keys are kept. */
    private final ObjectNode base;
    /** What the setters gave, by JSON key; a null value removes an {@code omitempty} key. */
    private final Map<String, JsonNode> set = new LinkedHashMap<>();

    private StreamConfigBuilder(ObjectNode base) {
        this.base = base;
    }

    /** A new stream named {@code name}; see {@link StreamConfig#builder}. */
    static StreamConfigBuilder named(String name) {
        StreamConfigBuilder b = new StreamConfigBuilder(NODES.objectNode());
        b.name(name);
        return b;
    }

    /** A builder holding every key of {@code config}; see {@link StreamConfig#toBuilder}. */
    static StreamConfigBuilder from(StreamConfig config) {
        return new StreamConfigBuilder(config.json());
    }

    /** {@code name}: not empty, at most 255 bytes, none of {@code . * > / \} nor whitespace. */
    public StreamConfigBuilder name(String name) {
        ConfigJson.checkName("name", name);
        return put("name", NODES.textNode(name));
    }

    /** {@code description}, at most 4 KiB; "" removes it. */
    public StreamConfigBuilder description(String description) {
        ConfigJson.checkDescription(description);
        return put("description", description.isEmpty() ? null : NODES.textNode(description));
    }

    /**
     * {@code subjects}: at least one, each a valid subject (no empty token, no whitespace,
     * {@code >} only last), none twice. Without this call the stream listens on its name.
     */
    public StreamConfigBuilder subjects(String... subjects) {
        return subjects(List.of(subjects));
    }

    /** {@link #subjects(String...)} from a list. */
    public StreamConfigBuilder subjects(List<String> subjects) {
        if (subjects.isEmpty()) {
            throw bad("subjects", "is empty; leave it unset to listen on the stream name");
        }
        Set<String> seen = new HashSet<>();
        ArrayNode a = NODES.arrayNode();
        for (String s : subjects) {
            Objects.requireNonNull(s, "subjects");
            String problem = ConfigJson.subjectProblem(s);
            if (problem != null) {
                throw bad("subjects", "\"" + s + "\" " + problem);
            }
            if (!seen.add(s)) {
                throw bad("subjects", "\"" + s + "\" is given twice");
            }
            a.add(s);
        }
        return put("subjects", a);
    }

    /** {@code retention}: limits (the default), interest or workqueue. */
    public StreamConfigBuilder retention(StreamConfig.Retention retention) {
        return put("retention", NODES.textNode(retention.name().toLowerCase(java.util.Locale.ROOT)));
    }

    /** {@code max_consumers}: -1 or 0 for no limit (written as -1), else at least 1. */
    public StreamConfigBuilder maxConsumers(int maxConsumers) {
        return put("max_consumers", NODES.numberNode(limit("max_consumers", maxConsumers)));
    }

    /** {@code max_msgs}: -1 or 0 for no limit (written as -1), else at least 1. */
    public StreamConfigBuilder maxMsgs(long maxMsgs) {
        return put("max_msgs", NODES.numberNode(limit("max_msgs", maxMsgs)));
    }

    /** {@code max_bytes}: -1 or 0 for no limit (written as -1), else at least 1. */
    public StreamConfigBuilder maxBytes(long maxBytes) {
        return put("max_bytes", NODES.numberNode(limit("max_bytes", maxBytes)));
    }

    /** {@code max_age}: {@link Duration#ZERO} for none, else at least 100 ms. */
    public StreamConfigBuilder maxAge(Duration maxAge) {
        long n = ConfigJson.nanos("max_age", maxAge);
        if (n != 0 && n < MIN_WINDOW_NANOS) {
            throw bad("max_age", "is " + maxAge + "; it must be 0 (no limit) or at least 100ms");
        }
        return put("max_age", NODES.numberNode(n));
    }

    /** {@code max_msgs_per_subject}: -1 or 0 for no limit (written as -1), else at least 1. */
    public StreamConfigBuilder maxMsgsPerSubject(long maxMsgsPerSubject) {
        return put("max_msgs_per_subject", NODES.numberNode(limit("max_msgs_per_subject", maxMsgsPerSubject)));
    }

    /** {@code max_msg_size} in bytes (a Go int32): -1 or 0 for no limit (written as -1), else 1..2^31-1. */
    public StreamConfigBuilder maxMsgSize(long maxMsgSize) {
        if (maxMsgSize > Integer.MAX_VALUE) {
            throw bad("max_msg_size", "is " + maxMsgSize + "; the server holds it in 32 bits, at most " + Integer.MAX_VALUE);
        }
        return put("max_msg_size", NODES.numberNode((int) limit("max_msg_size", maxMsgSize)));
    }

    /** {@code discard}: old (the default) or new. */
    public StreamConfigBuilder discard(StreamConfig.Discard discard) {
        return put("discard", NODES.textNode(discard.name().toLowerCase(java.util.Locale.ROOT)));
    }

    /** {@code discard_new_per_subject}; needs {@code discard} new and a {@code max_msgs_per_subject} (checked by {@link #build}). */
    public StreamConfigBuilder discardNewPerSubject(boolean on) {
        return put("discard_new_per_subject", on ? NODES.booleanNode(true) : null);
    }

    /** {@code num_replicas}: 1..5 (a single server keeps one copy whatever this says). */
    public StreamConfigBuilder numReplicas(int replicas) {
        if (replicas < 1 || replicas > MAX_REPLICAS) {
            throw bad("num_replicas", "is " + replicas + "; it must be from 1 to " + MAX_REPLICAS);
        }
        return put("num_replicas", NODES.numberNode(replicas));
    }

    /** {@code duplicate_window}: at least 100 ms and not above {@code max_age} when that is set (checked by {@link #build}). */
    public StreamConfigBuilder duplicateWindow(Duration window) {
        long n = ConfigJson.nanos("duplicate_window", window);
        if (n < MIN_WINDOW_NANOS) {
            throw bad("duplicate_window", "is " + window + "; it must be at least 100ms");
        }
        return put("duplicate_window", NODES.numberNode(n));
    }

    /** {@code compression} of sealed blocks: none (the default) or s2. */
    public StreamConfigBuilder compression(Compression compression) {
        return put("compression", NODES.textNode(compression.name().toLowerCase(java.util.Locale.ROOT)));
    }

    /** {@code allow_direct}: direct gets ({@code $JS.API.DIRECT.GET}) on the server. */
    public StreamConfigBuilder allowDirect(boolean on) {
        return put("allow_direct", NODES.booleanNode(on));
    }

    /** {@code sealed}: no more messages, deletes or purges (a server refuses it on create). */
    public StreamConfigBuilder sealed(boolean on) {
        return put("sealed", NODES.booleanNode(on));
    }

    /** {@code deny_delete}: messages cannot be deleted through the API. */
    public StreamConfigBuilder denyDelete(boolean on) {
        return put("deny_delete", NODES.booleanNode(on));
    }

    /** {@code deny_purge}: the stream cannot be purged; excludes {@code allow_rollup_hdrs} (checked by {@link #build}). */
    public StreamConfigBuilder denyPurge(boolean on) {
        return put("deny_purge", NODES.booleanNode(on));
    }

    /** {@code allow_rollup_hdrs}: a {@code Nats-Rollup} header may purge a subject or the stream. */
    public StreamConfigBuilder allowRollupHdrs(boolean on) {
        return put("allow_rollup_hdrs", NODES.booleanNode(on));
    }

    /**
     * {@code consumer_limits}: defaults and ceilings for the stream's consumers;
     * {@link Duration#ZERO} and 0 leave a limit out.
     */
    public StreamConfigBuilder consumerLimits(Duration inactiveThreshold, int maxAckPending) {
        long n = ConfigJson.nanos("consumer_limits.inactive_threshold", inactiveThreshold);
        if (n < 0) {
            throw bad("consumer_limits.inactive_threshold", "is " + inactiveThreshold + "; it cannot be negative");
        }
        if (maxAckPending < 0) {
            throw bad("consumer_limits.max_ack_pending", "is " + maxAckPending + "; it cannot be negative");
        }
        ObjectNode limits = NODES.objectNode();
        if (n > 0) {
            limits.put("inactive_threshold", n);
        }
        if (maxAckPending > 0) {
            limits.put("max_ack_pending", maxAckPending);
        }
        return put("consumer_limits", limits);
    }

    /** {@code metadata}: string pairs, at most 128 KiB of keys and values; an empty map removes it. */
    public StreamConfigBuilder metadata(Map<String, String> metadata) {
        return put("metadata", ConfigJson.metadata(metadata));
    }

    /**
     * The config: the JSON the server writes for these settings (see the class comment), read by
     * {@link StreamConfig#parse}.
     *
     * @throws IllegalArgumentException when fields contradict each other, naming them
     */
    public StreamConfig build() {
        ObjectNode out = json();
        check(out);
        byte[] bytes = GoJsonWriter.write(out);
        try {
            return StreamConfig.parse(bytes);
        } catch (FormatException e) {
            // The setters only write values of the types parse checks for.
            throw new IllegalStateException("a built stream config does not parse: " + e.getMessage(), e);
        }
    }

    /** The object {@link #build} parses, in the server's key order. */
    private ObjectNode json() {
        Map<String, JsonNode> merged = ConfigJson.merge(base, set);
        JsonNode name = merged.get("name");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            // Only a base config without one gets here: builder(name) sets it.
            throw bad("name", "is required");
        }
        boolean mirrorOrSources = present(merged.get("mirror")) || present(merged.get("sources"));
        if (!merged.containsKey("subjects") && !mirrorOrSources) {
            merged.put("subjects", NODES.arrayNode().add(name.asText()));
        }
        if (!merged.containsKey("duplicate_window") && !mirrorOrSources) {
            long age = merged.containsKey("max_age") ? merged.get("max_age").asLong() : 0;
            long window = DEFAULT_DUPLICATE_WINDOW.toNanos();
            merged.put("duplicate_window", NODES.numberNode(age != 0 && age < window ? age : window));
        }
        return ConfigJson.ordered(merged, ORDER, ALWAYS);
    }

    /** The rules between fields ({@code checkStreamCfg}). */
    private static void check(ObjectNode c) {
        long age = c.path("max_age").asLong(0);
        long window = c.path("duplicate_window").asLong(0);
        if (age != 0 && window > age) {
            throw new IllegalArgumentException("duplicate_window (" + Duration.ofNanos(window) + ") is longer than max_age ("
                    + Duration.ofNanos(age) + "); the server refuses that: set duplicate_window too");
        }
        if (c.path("deny_purge").asBoolean(false) && c.path("allow_rollup_hdrs").asBoolean(false)) {
            throw new IllegalArgumentException("allow_rollup_hdrs needs purges: deny_purge must be false");
        }
        if (c.path("discard_new_per_subject").asBoolean(false)) {
            if (!"new".equalsIgnoreCase(c.path("discard").asText("old"))) {
                throw new IllegalArgumentException("discard_new_per_subject needs discard new, the discard is "
                        + c.path("discard").asText("old"));
            }
            if (c.path("max_msgs_per_subject").asLong(-1) <= 0) {
                throw new IllegalArgumentException("discard_new_per_subject needs max_msgs_per_subject of at least 1");
            }
        }
    }

    private StreamConfigBuilder put(String key, JsonNode value) {
        set.put(key, value);
        return this;
    }

    private static boolean present(JsonNode n) {
        return n != null && !n.isNull() && !(n.isArray() && n.isEmpty());
    }

    /** A count limit: -1 and 0 mean none and are written -1, as the server writes them. */
    private static long limit(String field, long v) {
        if (v < -1) {
            throw bad(field, "is " + v + "; it must be -1 or 0 (no limit) or at least 1");
        }
        return v == 0 ? -1 : v;
    }

    private static Map<String, JsonNode> always() {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        m.put("retention", NODES.textNode("limits"));
        m.put("max_consumers", NODES.numberNode(-1));
        m.put("max_msgs", NODES.numberNode(-1));
        m.put("max_bytes", NODES.numberNode(-1));
        m.put("max_age", NODES.numberNode(0));
        m.put("max_msgs_per_subject", NODES.numberNode(-1));
        m.put("max_msg_size", NODES.numberNode(-1));
        m.put("discard", NODES.textNode("old"));
        m.put("storage", NODES.textNode("file"));
        m.put("num_replicas", NODES.numberNode(1));
        m.put("compression", NODES.textNode("none"));
        for (String flag : List.of("allow_direct", "mirror_direct", "sealed", "deny_delete", "deny_purge", "allow_rollup_hdrs")) {
            m.put(flag, NODES.booleanNode(false));
        }
        m.put("consumer_limits", NODES.objectNode());
        return Map.copyOf(m);
    }
}
