package io.jetstart.runtime.kv;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.meta.GoJsonWriter;
import io.jetstart.core.meta.StreamConfig;
import java.time.Duration;

/**
 * A bucket's settings, mapped onto its stream as jnats's {@code KeyValueConfiguration} and
 * nats.go's {@code CreateKeyValue} map them: stream {@code KV_<bucket>} on {@code $KV.<bucket>.>},
 * history as {@code max_msgs_per_subject}, TTL as {@code max_age}, the value limit as
 * {@code max_msg_size}, the bucket limit as {@code max_bytes}, and always
 * {@code allow_rollup_hdrs}, {@code deny_delete}, {@code allow_direct}, discard new. A limit
 * marker TTL (jnats's {@code limitMarker}, nats.go's {@code LimitMarkerTTL}) is the stream's
 * {@code subject_delete_marker_ttl} with {@code allow_msg_ttl}: a key whose value ages out (the
 * bucket's TTL or the key's own, {@link KeyValue#create(String, byte[], Duration)}) is replaced by
 * a {@code Nats-Marker-Reason: MaxAge} marker that lives that long, which clients read as a purge.
 *
 * @param history       values kept per key, 1..64
 * @param ttl           how long a value lives; {@link Duration#ZERO}: for ever
 * @param maxValueSize  bytes of one value (headers included, as the server counts); -1: no limit
 * @param maxBucketSize bytes of the whole bucket; -1: no limit
 * @param limitMarker   how long the marker of a key that aged out lives, at least 1 s;
 *                      {@link Duration#ZERO}: no markers (and no per-key TTL)
 */
public record KeyValueConfig(String bucket, String description, int history, Duration ttl, long maxValueSize,
                             long maxBucketSize, Duration limitMarker) {
    /** jnats's {@code MAX_HISTORY_PER_KEY}. */
    public static final int MAX_HISTORY = 64;
    static final String STREAM_PREFIX = "KV_";
    static final String SUBJECT_PREFIX = "$KV.";

    public KeyValueConfig {
        KvNames.checkBucket(bucket);
        description = description == null ? "" : description;
        if (history < 1 || history > MAX_HISTORY) {
            throw new IllegalArgumentException("Max History must be from 1 to 64 inclusive.");
        }
        ttl = ttl == null ? Duration.ZERO : ttl;
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("TTL cannot be negative: " + ttl);
        }
        maxValueSize = maxValueSize <= 0 ? -1 : maxValueSize;
        maxBucketSize = maxBucketSize <= 0 ? -1 : maxBucketSize;
        limitMarker = limitMarker == null ? Duration.ZERO : limitMarker;
        if (!limitMarker.isZero() && limitMarker.compareTo(Duration.ofSeconds(1)) < 0) {
            // jnats's limitMarker(Duration) check; the server's own is 10052 "subject delete marker TTL must be at least 1 second".
            throw new IllegalArgumentException("Limit Marker Ttl must be at least 1 second: " + limitMarker);
        }
    }

    /** A bucket with jnats's defaults: history 1, no TTL, no size limits. */
    public static KeyValueConfig of(String bucket) {
        return new KeyValueConfig(bucket, "", 1, Duration.ZERO, -1, -1, Duration.ZERO);
    }

    public KeyValueConfig withHistory(int h) {
        return new KeyValueConfig(bucket, description, h, ttl, maxValueSize, maxBucketSize, limitMarker);
    }

    public KeyValueConfig withTtl(Duration t) {
        return new KeyValueConfig(bucket, description, history, t, maxValueSize, maxBucketSize, limitMarker);
    }

    public KeyValueConfig withMaxValueSize(long bytes) {
        return new KeyValueConfig(bucket, description, history, ttl, bytes, maxBucketSize, limitMarker);
    }

    public KeyValueConfig withMaxBucketSize(long bytes) {
        return new KeyValueConfig(bucket, description, history, ttl, maxValueSize, bytes, limitMarker);
    }

    public KeyValueConfig withDescription(String d) {
        return new KeyValueConfig(bucket, d, history, ttl, maxValueSize, maxBucketSize, limitMarker);
    }

    /** Markers for keys that age out, living {@code t} (at least 1 s); {@link Duration#ZERO}: none. */
    public KeyValueConfig withLimitMarker(Duration t) {
        return new KeyValueConfig(bucket, description, history, ttl, maxValueSize, maxBucketSize, t);
    }

    public String streamName() {
        return streamName(bucket);
    }

    static String streamName(String bucket) {
        return STREAM_PREFIX + bucket;
    }

    static String subjectPrefix(String bucket) {
        return SUBJECT_PREFIX + bucket + ".";
    }

    /**
     * The backing stream's config. The duplicate window is left to the server's default (2 min,
     * or the TTL when shorter), which is the value jnats and nats.go send. A limit marker adds
     * {@code allow_msg_ttl} and {@code subject_delete_marker_ttl}, as jnats 2.26's build does.
     */
    public StreamConfig streamConfig() {
        StreamConfig c = StreamConfig.builder(streamName())
                .description(description)
                .subjects(subjectPrefix(bucket) + ">")
                .maxBytes(maxBucketSize)
                .maxAge(ttl)
                .maxMsgsPerSubject(history)
                .maxMsgSize(maxValueSize)
                .discard(StreamConfig.Discard.NEW)
                .allowRollupHdrs(true)
                .denyDelete(true)
                .allowDirect(true)
                .build();
        if (limitMarker.isZero()) {
            return c;
        }
        // The builder has no setters for the 2.11 keys: set them in the JSON, and let a rebuild put
        // them where the server's struct order has them.
        ObjectNode j = c.json();
        j.put("allow_msg_ttl", true);
        j.put("subject_delete_marker_ttl", limitMarker.toNanos());
        try {
            return StreamConfig.parse(GoJsonWriter.write(j)).toBuilder().build();
        } catch (FormatException e) {
            throw new IllegalStateException("a bucket's stream config does not parse: " + e.getMessage(), e);
        }
    }

    /** A bucket's settings read back from its stream's config (what {@code nats kv info} shows). */
    static KeyValueConfig ofStream(String bucket, StreamConfig c) {
        ObjectNode j = c.json();
        long history = c.maxMsgsPerSubject();
        return new KeyValueConfig(bucket, j.path("description").asText(""), (int) Math.max(1, Math.min(MAX_HISTORY, history)),
                Duration.ofNanos(Math.max(0, c.maxAgeNanos())), j.path("max_msg_size").asLong(-1), c.maxBytes(),
                Duration.ofNanos(Math.max(0, c.subjectDeleteMarkerTtlNanos())));
    }
}
