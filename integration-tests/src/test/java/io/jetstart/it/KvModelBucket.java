package io.jetstart.it;

import io.jetstart.runtime.kv.KeyValueEntry;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.MessageTtl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * {@link KvInteropIT}'s bucket operations with what {@link KvModelIT} adds: per-key TTLs (a bucket
 * with a limit marker) and the reads. The runtime's {@code KeyValue} and jnats's have the same
 * method names but no common type; {@link #runtime} and {@link #jnats} adapt each, and an entry read
 * on either side is an {@link Entry}, compared without its created time (each side's own clock).
 */
interface KvModelBucket extends KvInteropIT.Kv {

    /** jnats's {@code create(key, value, MessageTtl.seconds(ttl))}. */
    long create(String key, byte[] value, int ttlSeconds) throws Exception;

    /** jnats's {@code purge(key, MessageTtl.seconds(ttl))}. */
    void purge(String key, int ttlSeconds) throws Exception;

    Optional<Entry> get(String key) throws Exception;

    Optional<Entry> get(String key, long revision) throws Exception;

    List<Entry> history(String key) throws Exception;

    List<String> keys(String filter) throws Exception;

    /** An entry as both sides read it; {@code operation} in the runtime's words ({@code DEL}, not jnats's {@code DELETE}). */
    record Entry(String key, long revision, String operation, byte[] value, long delta) {
        String compared() {
            return key + " @" + revision + " " + operation + " '" + Base64.getEncoder().encodeToString(value) + "' delta " + delta;
        }
    }

    static KvModelBucket runtime(io.jetstart.runtime.kv.KeyValue kv) {
        return new KvModelBucket() {
            public long put(String key, byte[] value) throws Exception {
                return kv.put(key, value);
            }

            public long create(String key, byte[] value) throws Exception {
                return kv.create(key, value);
            }

            public long create(String key, byte[] value, int ttlSeconds) throws Exception {
                return kv.create(key, value, Duration.ofSeconds(ttlSeconds));
            }

            public long update(String key, byte[] value, long rev) throws Exception {
                return kv.update(key, value, rev);
            }

            public void delete(String key) throws Exception {
                kv.delete(key);
            }

            public void purge(String key) throws Exception {
                kv.purge(key);
            }

            public void purge(String key, int ttlSeconds) throws Exception {
                kv.purge(key, Duration.ofSeconds(ttlSeconds));
            }

            public long lastRevision(String key) throws Exception {
                return kv.stream().lastBySubject("$KV." + kv.bucket() + "." + key).map(m -> m.seq()).orElse(0L);
            }

            public Optional<Entry> get(String key) throws Exception {
                return kv.get(key).map(e -> entry(e));
            }

            public Optional<Entry> get(String key, long revision) throws Exception {
                return kv.get(key, revision).map(e -> entry(e));
            }

            public List<Entry> history(String key) throws Exception {
                return kv.history(key).stream().map(e -> entry(e)).toList();
            }

            public List<String> keys(String filter) throws Exception {
                return kv.keys(filter);
            }

            private static Entry entry(KeyValueEntry e) {
                return new Entry(e.key(), e.revision(), e.operation().name(), e.value(), e.delta());
            }
        };
    }

    /**
     * jnats's bucket; the last revision from the stream's last message on the key's subject, as
     * {@link KvInteropIT} reads it (a history per call would make a consumer each time).
     */
    static KvModelBucket jnats(KeyValue kv, JetStreamManagement jsm) {
        return new KvModelBucket() {
            public long put(String key, byte[] value) throws Exception {
                return kv.put(key, value);
            }

            public long create(String key, byte[] value) throws Exception {
                return kv.create(key, value);
            }

            public long create(String key, byte[] value, int ttlSeconds) throws Exception {
                return kv.create(key, value, MessageTtl.seconds(ttlSeconds));
            }

            public long update(String key, byte[] value, long rev) throws Exception {
                return kv.update(key, value, rev);
            }

            public void delete(String key) throws Exception {
                kv.delete(key);
            }

            public void purge(String key) throws Exception {
                kv.purge(key);
            }

            public void purge(String key, int ttlSeconds) throws Exception {
                kv.purge(key, MessageTtl.seconds(ttlSeconds));
            }

            public long lastRevision(String key) throws Exception {
                try {
                    return jsm.getLastMessage("KV_" + kv.getBucketName(), "$KV." + kv.getBucketName() + "." + key).getSeq();
                } catch (io.nats.client.JetStreamApiException e) {
                    if (e.getApiErrorCode() == 10037) {
                        return 0; // no message on the key's subject
                    }
                    throw e;
                }
            }

            public Optional<Entry> get(String key) throws Exception {
                return Optional.ofNullable(kv.get(key)).map(e -> entry(e));
            }

            public Optional<Entry> get(String key, long revision) throws Exception {
                return Optional.ofNullable(kv.get(key, revision)).map(e -> entry(e));
            }

            public List<Entry> history(String key) throws Exception {
                List<Entry> out = new ArrayList<>();
                kv.history(key).forEach(e -> out.add(entry(e)));
                return out;
            }

            public List<String> keys(String filter) throws Exception {
                return kv.keys(filter);
            }

            private static Entry entry(io.nats.client.api.KeyValueEntry e) {
                // jnats names the marker DELETE; its header value, and the runtime's name, is DEL.
                String op = e.getOperation() == io.nats.client.api.KeyValueOperation.DELETE ? "DEL" : e.getOperation().name();
                return new Entry(e.getKey(), e.getRevision(), op, e.getValue() == null ? new byte[0] : e.getValue(), e.getDelta());
            }
        };
    }
}
