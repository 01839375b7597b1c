package io.jetstart.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.GoTime;
import io.jetstart.core.meta.StreamConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Stream configs as the runtime writes and accepts them: the {@code meta.inf} JSON with
 * nats-server 2.10's key set and its defaults ({@code setDefaults}), what the runtime cannot write
 * yet, and the block size the server would pick.
 */
final class StreamDefinitions {
    /**
     * Made on first use, not with this class: {@link #readOnlyReason} runs as each recovered stream
     * is served, and an ObjectMapper's start-up (about 450 classes, Jackson's and the JDK's date
     * and locale ones) was most of a small stream's hand-over in a fresh JVM.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
    static final long DEFAULT_DUPLICATE_WINDOW = 120_000_000_000L;

    private StreamDefinitions() {
    }

    /**
     * The {@code meta.inf} bytes for {@code config}: {@code "Created"} first, then the 2.10 keys in
     * the server's order with its defaults, then any other key the caller gave.
     */
    static byte[] metaInf(StreamConfig config, long createdNanos) {
        ObjectNode given = config.json();
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("Created", given.hasNonNull("Created") ? given.get("Created").asText() : GoTime.format(createdNanos));
        n.put("name", config.name());
        n.set("subjects", given.has("subjects") ? given.get("subjects") : Json.MAPPER.createArrayNode().add(config.name()));
        n.put("retention", text(given, "retention", "limits"));
        n.put("max_consumers", given.path("max_consumers").asLong(-1) == 0 ? -1 : given.path("max_consumers").asLong(-1));
        n.put("max_msgs", config.maxMsgs());
        n.put("max_bytes", config.maxBytes());
        n.put("max_age", config.maxAgeNanos());
        n.put("max_msgs_per_subject", config.maxMsgsPerSubject());
        long maxMsgSize = given.path("max_msg_size").asLong(-1);
        n.put("max_msg_size", maxMsgSize <= 0 ? -1 : maxMsgSize);
        n.put("discard", config.discard() == StreamConfig.Discard.NEW ? "new" : "old");
        n.put("storage", config.storage());
        n.put("num_replicas", Math.max(1, given.path("num_replicas").asInt(1)));
        n.put("duplicate_window", duplicateWindow(config));
        n.put("compression", config.compression());
        for (String flag : new String[] {"allow_direct", "mirror_direct", "sealed", "deny_delete", "deny_purge", "allow_rollup_hdrs"}) {
            n.put(flag, given.path(flag).asBoolean(false));
        }
        n.set("consumer_limits", given.has("consumer_limits") ? given.get("consumer_limits") : Json.MAPPER.createObjectNode());
        for (Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!n.has(e.getKey())) {
                n.set(e.getKey(), e.getValue());
            }
        }
        try {
            return Json.MAPPER.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The server's default: 2 min, or max_age when that is shorter. */
    static long duplicateWindow(StreamConfig c) {
        long w = c.json().path("duplicate_window").asLong(0);
        if (w > 0) {
            return w;
        }
        long age = c.maxAgeNanos();
        return age > 0 && age < DEFAULT_DUPLICATE_WINDOW ? age : DEFAULT_DUPLICATE_WINDOW;
    }

    /** Why the runtime serves this stream read-only, or empty when it can write it. */
    static Optional<String> readOnlyReason(StreamConfig c) {
        ObjectNode j = c.json();
        if (c.hasMirror()) {
            return Optional.of("the stream is a mirror; mirrors are not written by the runtime yet");
        }
        if (c.hasSources()) {
            return Optional.of("the stream has sources; sourcing is not written by the runtime yet");
        }
        if (!"none".equals(c.compression()) && !c.compression().isEmpty() && !"s2".equals(c.compression())) {
            return Optional.of("compression '" + c.compression() + "' is not one nats-server writes");
        }
        if (!"file".equals(c.storage())) {
            return Optional.of("storage '" + c.storage() + "' is not a file store");
        }
        for (String flag : new String[] {"allow_msg_ttl", "allow_msg_schedules", "allow_msg_counter", "allow_atomic", "allow_batched"}) {
            if (j.path(flag).asBoolean(false)) {
                return Optional.of("'" + flag + "' is not supported by the runtime yet");
            }
        }
        if (c.subjectDeleteMarkerTtlNanos() > 0) {
            return Optional.of("subject delete markers are not written by the runtime yet");
        }
        for (String obj : new String[] {"subject_transform", "republish"}) {
            JsonNode v = j.get(obj);
            if (v != null && !v.isNull() && !v.isEmpty()) {
                return Optional.of("'" + obj + "' is not supported by the runtime yet");
            }
        }
        return Optional.empty();
    }

    /**
     * nats-server's block size for a stream ({@code autoTuneFileStorageBlockSize},
     * {@code dynBlkSize}, spec 3.7): 8 MiB for limits streams; 4 MiB for KV-like ones
     * (per-subject limit, no message or byte limit); with max_bytes (or max_msgs × 1 KiB as the
     * estimate) the estimate / 4 + 1 rounded up to 100, at least 32,000, and 4 MiB for anything
     * between that and 8 MiB.
     */
    static int blockSize(StreamConfig c) {
        long est = c.maxBytes() > 0 ? c.maxBytes() : c.maxMsgs() > 0 ? c.maxMsgs() * 1024 : 0;
        if (est > 0) {
            long size = est / 4 + 1;
            if (size % 100 != 0) {
                size += 100 - size % 100;
            }
            if (size <= 32_000) {
                return 32_000;
            }
            return size >= 8 << 20 ? 8 << 20 : 4 << 20;
        }
        if (c.maxMsgsPerSubject() > 0) {
            return 4 << 20;
        }
        return 8 << 20;
    }

    static StreamConfig parse(byte[] metaInf) {
        try {
            return StreamConfig.parse(metaInf);
        } catch (FormatException e) {
            throw JetStreamApiException.invalidConfig("invalid stream config: " + e.getMessage());
        }
    }

    private static String text(JsonNode n, String key, String dflt) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? dflt : v.asText();
    }
}
