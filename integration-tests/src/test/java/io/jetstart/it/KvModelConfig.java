package io.jetstart.it;

import io.jetstart.runtime.kv.KeyValueConfig;
import io.nats.client.api.KeyValueConfiguration;
import java.time.Duration;
import java.util.Random;

/**
 * One bucket of {@link KvModelIT}, drawn per seed, given to jnats and to the runtime in their own
 * words ({@link #jnats}, {@link #runtime}); both map it onto the same stream config (history as
 * {@code max_msgs_per_subject}, ttl as {@code max_age}, discard new, ...), which
 * {@link KvInteropIT} compares.
 *
 * @param ttlMillis          the bucket's TTL ({@code max_age}); 0: none
 * @param maxBytes           {@code max_bytes}; -1: none
 * @param maxValueSize       {@code max_msg_size} (headers count too); -1: none
 * @param limitMarkerSeconds {@code subject_delete_marker_ttl}, which per-key TTLs need; 0: none
 */
record KvModelConfig(String bucket, int history, long ttlMillis, long maxBytes, int maxValueSize, int limitMarkerSeconds) {
    private static final int[] HISTORIES = {1, 3, 64};

    /**
     * The {@code index}th bucket of a run: the first has a limit marker and no TTL (values expire by
     * their own TTLs only), the second a TTL and a limit marker (every value expires into a marker),
     * the third a TTL alone, the others whatever is drawn; TTLs and markers are 1 or 2 s, so that a
     * run sees values expire. History and the size limits are drawn for each.
     */
    static KvModelConfig draw(Random r, int index, ModelLine line) {
        int history = HISTORIES[r.nextInt(HISTORIES.length)];
        boolean withTtl = switch (index) {
            case 0 -> false;
            case 1, 2 -> true;
            default -> r.nextBoolean();
        };
        boolean withMarker = switch (index) {
            case 0, 1 -> true;
            case 2 -> false;
            default -> r.nextInt(10) < 6;
        };
        long ttl = withTtl ? 1_000L * (1 + r.nextInt(2)) : 0;
        int marker = withMarker ? 1 + r.nextInt(2) : 0;
        if (line.v210()) {
            // 2.10 has no limit markers (subject_delete_marker_ttl, 2.11).
            marker = 0;
        }
        // Small enough to fill: a message of the model is 40 to 110 bytes as the server counts it.
        long maxBytes = r.nextBoolean() ? 500 + r.nextInt(1500) : -1;
        if (line.v210()) {
            // A bucket is discard new, and 2.10.27 refuses a message that brings it to max_bytes exactly, or
            // that replaces a key's oldest of the same size at its history (storeRawMsg: '>=' and '<='), where
            // 2.14+ and the runtime store it (commit 8311cde5c, 2.14, "off-by-ones"; seed 2: put k2 at
            // history 3, 10077 from 2.10.27). A put of the same size is common in a bucket and a delete
            // marker's size is fixed, so on 2.10 no bucket has max_bytes; RuntimeModelIT draws it there.
            maxBytes = -1;
        }
        // A create's or update's expectation header is about 50 bytes, a purge with a TTL's headers 70:
        // from 64 up, some of each are refused (10054) and some stored.
        int maxValueSize = r.nextInt(10) < 4 ? 64 + r.nextInt(60) : -1;
        return new KvModelConfig("KVM" + index, history, ttl, maxBytes, maxValueSize, marker);
    }

    String streamName() {
        return "KV_" + bucket;
    }

    KeyValueConfig runtime() {
        return KeyValueConfig.of(bucket).withHistory(history).withTtl(Duration.ofMillis(ttlMillis)).withMaxBucketSize(maxBytes)
                .withMaxValueSize(maxValueSize).withLimitMarker(Duration.ofSeconds(limitMarkerSeconds));
    }

    KeyValueConfiguration jnats() {
        KeyValueConfiguration.Builder b = KeyValueConfiguration.builder().name(bucket).maxHistoryPerKey(history);
        if (ttlMillis > 0) {
            b.ttl(Duration.ofMillis(ttlMillis));
        }
        if (maxBytes > 0) {
            b.maxBucketSize(maxBytes);
        }
        if (maxValueSize > 0) {
            b.maximumValueSize(maxValueSize);
        }
        if (limitMarkerSeconds > 0) {
            b.limitMarker(Duration.ofSeconds(limitMarkerSeconds));
        }
        return b.build();
    }

    @Override
    public String toString() {
        return bucket + ": history " + history + ", ttl " + (ttlMillis == 0 ? "none" : ttlMillis + " ms") + ", max_bytes " + maxBytes
                + ", max_value_size " + maxValueSize + ", limit marker " + (limitMarkerSeconds == 0 ? "none" : limitMarkerSeconds + " s");
    }
}
