package io.jetstart.runtime.kv;

import io.jetstart.runtime.Headers;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.JetStreamApiException;
import io.jetstart.core.store.StoredMessage;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * A key/value bucket over its stream {@code KV_<bucket>}, as jnats's {@code KeyValue} uses it
 * through nats-server: a key is the subject {@code $KV.<bucket>.<key>}, its revision the
 * message's sequence; put is a plain publish, create and update publish with
 * {@code Nats-Expected-Last-Subject-Sequence}, delete writes a {@code KV-Operation: DEL} marker and
 * purge a {@code KV-Operation: PURGE} marker with {@code Nats-Rollup: sub}. Everything is
 * written through the stream's writer, so the files are what the server writes for the same calls.
 * Thread-safe.
 */
public final class KeyValue {
    /** Messages read per pass while walking the bucket (keys, history, watch). */
    static final int BATCH = 512;

    private final JetStartStore store;
    private final String bucket;
    /** The bucket's stream as last looked up: a stream's resume replaces it ({@link #stream()}). */
    private volatile JetStartStream stream;
    private final String prefix;

    private KeyValue(JetStartStore store, String bucket, JetStartStream stream) {
        this.store = store;
        this.bucket = bucket;
        this.stream = stream;
        this.prefix = KeyValueConfig.subjectPrefix(bucket);
    }

    /**
     * Opens an existing bucket once its stream is served; {@link JetStreamApiException} 10059
     * {@code stream not found} when the store has none (what jnats reports, wrapped).
     */
    public static KeyValue open(JetStartStore store, String account, String bucket) throws InterruptedException {
        KvNames.checkBucket(bucket);
        try {
            JetStartStream s = store.stream(account, KeyValueConfig.streamName(bucket)).await(Duration.ofDays(365));
            return new KeyValue(store, bucket, s);
        } catch (TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Creates the bucket's stream, or returns the bucket when one with the same settings exists
     * (also one nats-server wrote, whose meta.inf carries keys the runtime does not write);
     * other settings are the server's 10058.
     */
    public static KeyValue create(JetStartStore store, String account, KeyValueConfig config)
            throws IOException, InterruptedException {
        try {
            JetStartStream s = store.createStream(account, config.streamConfig());
            return new KeyValue(store, config.bucket(), s);
        } catch (JetStreamApiException e) {
            if (e.errCode() == 10058) {
                KeyValue existing = open(store, account, config.bucket());
                if (existing.config().equals(config)) {
                    return existing;
                }
            }
            throw e;
        }
    }

    /** Deletes the bucket's stream and every file of it, as {@code nats kv rm} does. */
    public static void delete(JetStartStore store, String account, String bucket) throws IOException, InterruptedException {
        KvNames.checkBucket(bucket);
        store.deleteStream(account, KeyValueConfig.streamName(bucket));
    }

    public String bucket() {
        return bucket;
    }

    public String account() {
        return stream().account();
    }

    /**
     * The backing stream ({@code KV_<bucket>}): the one served now. After
     * {@link JetStartStore#resumeStream} the store's new stream, once it is served (until then the
     * replaced one, whose calls fail naming the resume), so a bucket held across a resume goes on.
     */
    public JetStartStream stream() {
        JetStartStream s = stream;
        if (s.isReplaced()) {
            java.util.concurrent.CompletableFuture<JetStartStream> now = store.stream(s.account(), s.name()).ready();
            if (now.isDone() && !now.isCompletedExceptionally()) {
                s = now.join();
                stream = s;
            }
        }
        return s;
    }

    /** The bucket's settings as its stream has them now. */
    public KeyValueConfig config() {
        return KeyValueConfig.ofStream(bucket, stream().config());
    }

    /** Stores a value; returns its revision. */
    public long put(String key, byte[] value) throws InterruptedException {
        return write(key, Headers.EMPTY, value);
    }

    /**
     * Stores a value only when the key has none: never written, or its latest entry is a delete or
     * purge marker (then written at that marker's revision, as jnats and nats.go do). Otherwise
     * {@link JetStreamApiException} 10071 {@code wrong last sequence: <revision>}.
     */
    public long create(String key, byte[] value) throws InterruptedException {
        KvNames.checkKey(key);
        try {
            return update(key, value, 0);
        } catch (JetStreamApiException e) {
            if (e.errCode() == 10071) {
                Optional<KeyValueEntry> last = latest(key);
                if (last.isPresent() && last.get().operation() != KeyValueOperation.PUT) {
                    return update(key, value, last.get().revision());
                }
            }
            throw e;
        }
    }

    /**
     * {@link #create(String, byte[])} with a TTL of its own for this value (jnats's {@code create(key,
     * value, MessageTtl)}): a {@code Nats-TTL} header, which only a bucket with a limit marker takes
     * ({@link KeyValueConfig#withLimitMarker}; others refuse it, the server's 10166). The server raises
     * a TTL below the limit marker's to it. When it runs out the value is replaced by a marker (a
     * purge to every reader) if it is the key's latest entry.
     *
     * @param ttl whole seconds, at least 1 (jnats's {@code MessageTtl.seconds})
     */
    public long create(String key, byte[] value, Duration ttl) throws InterruptedException {
        KvNames.checkKey(key);
        String t = ttlValue(ttl);
        try {
            return write(key, createHeaders(t, 0), value);
        } catch (JetStreamApiException e) {
            if (e.errCode() == 10071) {
                Optional<KeyValueEntry> last = latest(key);
                if (last.isPresent() && last.get().operation() != KeyValueOperation.PUT) {
                    return write(key, createHeaders(t, last.get().revision()), value);
                }
            }
            throw e;
        }
    }

    /**
     * The headers of a create with a TTL, in the order jnats 2.26 sends them: its headers are a
     * HashMap, copied on the way out, so {@code Nats-TTL} comes first (the order 2.15.1 stored in
     * {@code testdata/fixtures/nats-2.15.1-features}, {@code KV_KVT} key {@code n}).
     */
    private static Headers createHeaders(String ttl, long expectedRevision) {
        return Headers.of(Headers.TTL, ttl, Headers.EXPECTED_LAST_SUBJECT_SEQ, Long.toString(expectedRevision));
    }

    /** Stores a value only when the key's latest revision is {@code expectedRevision} (0: no entry at all). */
    public long update(String key, byte[] value, long expectedRevision) throws InterruptedException {
        return write(key, Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ, Long.toString(expectedRevision)), value);
    }

    /** Writes a delete marker; the key's history stays. Returns the marker's revision. */
    public long delete(String key) throws InterruptedException {
        return write(key, Headers.of(KeyValueOperation.HEADER, "DEL"), new byte[0]);
    }

    /** Writes a delete marker only at {@code expectedRevision}. */
    public long delete(String key, long expectedRevision) throws InterruptedException {
        return write(key, Headers.of(KeyValueOperation.HEADER, "DEL", Headers.EXPECTED_LAST_SUBJECT_SEQ,
                Long.toString(expectedRevision)), new byte[0]);
    }

    /** Writes a purge marker that rolls the key's history up: only the marker is left. */
    public long purge(String key) throws InterruptedException {
        return write(key, Headers.of(KeyValueOperation.HEADER, "PURGE", Headers.ROLLUP, "sub"), new byte[0]);
    }

    /**
     * {@link #purge(String)} whose marker expires after {@code ttl} (jnats's {@code purge(key,
     * MessageTtl)}), in a bucket with a limit marker; then the key has no entry at all. Headers in
     * jnats's order: {@code KV-Operation}, {@code Nats-TTL}, {@code Nats-Rollup} (as 2.15.1 stored
     * them, {@code KV_KVT} key {@code p}).
     *
     * @param ttl whole seconds, at least 1
     */
    public long purge(String key, Duration ttl) throws InterruptedException {
        String t = ttlValue(ttl);
        return write(key, Headers.of(KeyValueOperation.HEADER, "PURGE", Headers.TTL, t, Headers.ROLLUP, "sub"), new byte[0]);
    }

    /**
     * A TTL as jnats's {@code MessageTtl.seconds} writes it ({@code "<n>s"}). A Duration that is not
     * whole seconds is refused rather than rounded: the server would take only its whole seconds
     * ({@code 1.5s} lives 1 s), which is not what the caller asked for.
     */
    static String ttlValue(Duration ttl) {
        checkTtl(ttl);
        return ttl.getSeconds() + "s";
    }

    /**
     * Refuses a key's TTL that {@link #create(String, byte[], Duration)} and
     * {@link #purge(String, Duration)} would not take, before anything is written.
     *
     * @throws IllegalArgumentException unless {@code ttl} is a whole number of seconds, at least 1
     */
    public static void checkTtl(Duration ttl) {
        if (ttl == null || ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.getNano() != 0) {
            throw new IllegalArgumentException("a key's TTL must be a whole number of seconds, at least 1, got "
                    + (ttl == null ? "none" : ttl.abs().getSeconds() < Long.MAX_VALUE / 1_000_000_000L - 1
                            ? io.jetstart.recovery.GoFormat.duration(ttl.toNanos()) : ttl.toString()));
        }
    }

    /** Purges only at {@code expectedRevision}. */
    public long purge(String key, long expectedRevision) throws InterruptedException {
        return write(key, Headers.of(KeyValueOperation.HEADER, "PURGE", Headers.ROLLUP, "sub",
                Headers.EXPECTED_LAST_SUBJECT_SEQ, Long.toString(expectedRevision)), new byte[0]);
    }

    private long write(String key, Headers h, byte[] value) throws InterruptedException {
        KvNames.checkKey(key);
        return stream().publish(prefix + key, h, value == null ? new byte[0] : value).seq();
    }

    /** The key's current value; empty when it has none or its latest entry is a delete or purge marker. */
    public Optional<KeyValueEntry> get(String key) throws InterruptedException {
        return latest(KvNames.checkKey(key)).filter(e -> e.operation() == KeyValueOperation.PUT);
    }

    /** The key's value at {@code revision}; empty when that revision is not a live put of this key. */
    public Optional<KeyValueEntry> get(String key, long revision) throws InterruptedException {
        KvNames.checkKey(key);
        if (revision <= 0) {
            return Optional.empty();
        }
        return stream().get(revision).filter(m -> m.subject().equals(prefix + key)).map(m -> entry(m, 0, false))
                .filter(e -> e.operation() == KeyValueOperation.PUT);
    }

    /** The key's latest entry, markers included. */
    Optional<KeyValueEntry> latest(String key) throws InterruptedException {
        return stream().lastBySubject(prefix + key).map(m -> entry(m, 0, false));
    }

    /** Every key whose latest entry is a put, in the order of those entries' revisions. */
    public List<String> keys() throws InterruptedException {
        return keys(">");
    }

    /** The keys matching {@code pattern} ('*' one token, '>' the rest) whose latest entry is a put. */
    public List<String> keys(String pattern) throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (StoredMessage m : lastPerSubject(prefix + KvNames.checkPattern(pattern), Long.MAX_VALUE)) {
            if (KeyValueOperation.of(m.headers()) == KeyValueOperation.PUT) {
                out.add(keyOf(m.subject()));
            }
        }
        return out;
    }

    /** Every stored entry of the key, oldest first, delete and purge markers included. */
    public List<KeyValueEntry> history(String key) throws InterruptedException {
        List<StoredMessage> all = all(prefix + KvNames.checkKey(key), Long.MAX_VALUE);
        List<KeyValueEntry> out = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            out.add(entry(all.get(i), all.size() - 1 - i, false));
        }
        return out;
    }

    /**
     * Watches the keys matching {@code pattern}: by default the latest entry of each key first,
     * then {@link KeyValueWatcher#endOfData()}, then every new entry in revision order, delivered
     * on a virtual thread from the stream's commits. Close the returned watch to stop it; the
     * store's close stops it too.
     *
     * @throws IllegalStateException "store … is closed" once the store's close has begun
     */
    public KeyValueWatch watch(String pattern, KeyValueWatcher watcher, WatchOption... options) {
        KvNames.checkPattern(pattern);
        if (watcher == null) {
            throw new IllegalArgumentException("Watcher is required");
        }
        EnumSet<WatchOption> set = EnumSet.noneOf(WatchOption.class);
        set.addAll(Arrays.asList(options));
        return KeyValueWatch.start(this, store, prefix + pattern, watcher, set);
    }

    /**
     * The latest live message of each subject matching {@code filter} (a whole subject filter),
     * at or below {@code upToSeq}, in sequence order.
     */
    List<StoredMessage> lastPerSubject(String filter, long upToSeq) throws InterruptedException {
        Map<String, StoredMessage> last = new LinkedHashMap<>();
        for (StoredMessage m : all(filter, upToSeq)) {
            last.put(m.subject(), m);
        }
        return sorted(last);
    }

    private static List<StoredMessage> sorted(Map<String, StoredMessage> last) {
        List<StoredMessage> out = new ArrayList<>(last.values());
        out.sort(Comparator.comparingLong(StoredMessage::seq));
        return out;
    }

    /** Every live message matching {@code filter} at or below {@code upToSeq}, in sequence order. */
    List<StoredMessage> all(String filter, long upToSeq) throws InterruptedException {
        List<StoredMessage> out = new ArrayList<>();
        long from = 1;
        while (true) {
            List<StoredMessage> batch = stream().nextBatch(from, filter, BATCH);
            for (StoredMessage m : batch) {
                if (m.seq() > upToSeq) {
                    return out;
                }
                out.add(m);
            }
            if (batch.size() < BATCH) {
                return out;
            }
            from = batch.get(batch.size() - 1).seq() + 1;
        }
    }

    String keyOf(String subject) {
        return subject.substring(prefix.length());
    }

    KeyValueEntry entry(StoredMessage m, long delta, boolean metaOnly) {
        return new KeyValueEntry(bucket, keyOf(m.subject()), metaOnly ? new byte[0] : m.payload(), m.seq(),
                Instant.ofEpochSecond(0, m.timestamp()), delta, KeyValueOperation.of(m.headers()));
    }
}
