package io.jetstart.runtime.kv;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.meta.StreamConfig;
import java.time.Duration;

/**
 * A bucket's settings, mapped onto its stream as jnats's {@code KeyValueConfiguration} and
 * nats.go's {@code CreateKeyValue} map them: stream {@code KV_<bucket>} on {@code $KV.<bucket>.>},
 * history as {@code max_msgs_per_subject}, TTL as {@code max_age}, the value limit as
 * {@code max_msg_size}, the bucket limit as {@code max_bytes}, and always
 * {@code allow_rollup_hdrs}, {@code deny_delete}, {@code allow_direct}, discard new.
 *
 * @param history       values kept per key, 1..64
 * @param ttl           how long a value lives; {@link Duration#ZERO}: for ever
 * @param maxValueSize  bytes of one value (headers included, as the server counts); -1: no limit
 * @param maxBucketSize bytes of the whole bucket; -1: no limit
 */
public record KeyValueConfig(String bucket, String description, int history, Duration ttl, long maxValueSize,
                             long maxBucketSize) {
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
    }

    /** A bucket with jnats's defaults: history 1, no TTL, no size limits. */
    public static KeyValueConfig of(String bucket) {
        return new KeyValueConfig(bucket, "", 1, Duration.ZERO, -1, -1);
    }

    public KeyValueConfig withHistory(int h) {
        return new KeyValueConfig(bucket, description, h, ttl, maxValueSize, maxBucketSize);
    }

    public KeyValueConfig withTtl(Duration t) {
        return new KeyValueConfig(bucket, description, history, t, maxValueSize, maxBucketSize);
    }

    public KeyValueConfig withMaxValueSize(long bytes) {
        return new KeyValueConfig(bucket, description, history, ttl, bytes, maxBucketSize);
    }

    public KeyValueConfig withMaxBucketSize(long bytes) {
        return new KeyValueConfig(bucket, description, history, ttl, maxValueSize, bytes);
    }

    public KeyValueConfig withDescription(String d) {
        return new KeyValueConfig(bucket, d, history, ttl, maxValueSize, maxBucketSize);
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
     * or the TTL when shorter), which is the value jnats and nats.go send.
     */
    public StreamConfig streamConfig() {
        return StreamConfig.builder(streamName())
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
    }

    /** A bucket's settings read back from its stream's config (what {@code nats kv info} shows). */
    static KeyValueConfig ofStream(String bucket, StreamConfig c) {
        ObjectNode j = c.json();
        long history = c.maxMsgsPerSubject();
        return new KeyValueConfig(bucket, j.path("description").asText(""), (int) Math.max(1, Math.min(MAX_HISTORY, history)),
                Duration.ofNanos(Math.max(0, c.maxAgeNanos())), j.path("max_msg_size").asLong(-1), c.maxBytes());
    }
}
