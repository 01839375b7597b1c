package io.jetstart.runtime.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStreamApiException;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.SyncPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Buckets with a limit marker (jnats 2.26's {@code limitMarker}) and keys with a TTL of their own
 * ({@code create(key, value, MessageTtl)}, {@code purge(key, MessageTtl)}): the stream config and
 * the header bytes are those 2.15.1 stored for jnats in {@code nats-2.15.1-features}
 * ({@code KV_KVT}); a value that runs out becomes a {@code MaxAge} marker, which jnats reads as a
 * purge. Expiry is waited for by polling with a deadline, as in {@code MarkerWriteTest}.
 */
class KeyValueTtlTest {
    @TempDir
    Path dir;

    private JetStartStore open() throws Exception {
        // A marker stream needs index.db version 2 or later (docs/runtime.md, "Subject delete markers").
        return JetStart.open(dir, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS).withIndexVersion(4));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String headers(KeyValue kv, long revision) throws InterruptedException {
        return new String(kv.stream().get(revision).orElseThrow().headers(), StandardCharsets.US_ASCII);
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 20 s for: " + what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void aLimitMarkerIsTheStreamsMarkerTtlWithTtlsAllowedAndReadsBack() throws Exception {
        KeyValueConfig c = KeyValueConfig.of("lm").withHistory(3).withLimitMarker(Duration.ofSeconds(10));
        try (JetStartStore store = open()) {
            KeyValue kv = store.createKeyValue(c);
            assertThat(kv.config()).isEqualTo(c);
            assertThat(store.createKeyValue(c).config()).as("the same settings reuse the bucket").isEqualTo(c);
            assertThatThrownBy(() -> store.createKeyValue(c.withLimitMarker(Duration.ofSeconds(20))))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10058));
        }
        JsonNode m = new ObjectMapper().readTree(Files.readAllBytes(dir.resolve("jetstream/$G/streams/KV_lm/meta.inf")));
        assertThat(m.get("allow_msg_ttl").asBoolean()).isTrue();
        assertThat(m.get("subject_delete_marker_ttl").asLong()).isEqualTo(10_000_000_000L);
        List<String> keys = new java.util.ArrayList<>();
        m.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).as("the server's key order").containsSubsequence("consumer_limits", "allow_msg_ttl", "subject_delete_marker_ttl");
    }

    @Test
    void aLimitMarkerUnderASecondAndAKeyTtlThatIsNotWholeSecondsAreRefused() throws Exception {
        assertThatThrownBy(() -> KeyValueConfig.of("lm").withLimitMarker(Duration.ofMillis(500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Limit Marker Ttl must be at least 1 second");
        assertThat(KeyValueConfig.of("lm").withLimitMarker(null).limitMarker()).isZero();
        try (JetStartStore store = open()) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("lm").withLimitMarker(Duration.ofSeconds(1)));
            assertThatThrownBy(() -> kv.create("k", b("v"), Duration.ofMillis(1500))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("whole number of seconds");
            assertThatThrownBy(() -> kv.purge("k", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
            assertThat(kv.stream().info().messages()).isZero();
        }
    }

    @Test
    void aKeyTtlIsWrittenAsJnatsSendsItAndRaisedToTheLimitMarkerAs2151StoresIt() throws Exception {
        try (JetStartStore store = open()) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("lm").withHistory(3).withLimitMarker(Duration.ofSeconds(10)));
            long t1 = kv.create("t1", b("t1"), Duration.ofSeconds(1));
            // KV_KVT's t1: jnats sent Nats-TTL:1s first; 2.15.1 took it out and appended the marker's TTL.
            assertThat(headers(kv, t1)).isEqualTo("NATS/1.0\r\nNats-Expected-Last-Subject-Sequence:0\r\nNats-TTL: 10\r\n\r\n");
            long long1 = kv.create("l", b("l"), Duration.ofSeconds(3600));
            assertThat(headers(kv, long1)).isEqualTo("NATS/1.0\r\nNats-TTL:3600s\r\nNats-Expected-Last-Subject-Sequence:0\r\n\r\n");
            kv.put("p", b("p1"));
            long purge = kv.purge("p", Duration.ofSeconds(3600));
            assertThat(headers(kv, purge)).isEqualTo("NATS/1.0\r\nKV-Operation:PURGE\r\nNats-TTL:3600s\r\nNats-Rollup:sub\r\n\r\n");
            assertThat(kv.history("p")).extracting(KeyValueEntry::operation).containsExactly(KeyValueOperation.PURGE);
            assertThatThrownBy(() -> kv.create("l", b("again"), Duration.ofSeconds(3600)))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10071));
            long again = kv.create("p", b("p2"), Duration.ofSeconds(3600));
            assertThat(headers(kv, again)).as("a create over a purge is at the purge's revision")
                    .isEqualTo("NATS/1.0\r\nNats-TTL:3600s\r\nNats-Expected-Last-Subject-Sequence:" + purge + "\r\n\r\n");
        }
    }

    @Test
    void aKeyTtlInABucketWithoutALimitMarkerIsTheServersTtlDisabled() throws Exception {
        try (JetStartStore store = open()) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("plain"));
            assertThatThrownBy(() -> kv.create("k", b("v"), Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10166));
            assertThatThrownBy(() -> kv.purge("k", Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10166));
            assertThat(kv.stream().info().messages()).isZero();
        }
    }

    @Test
    void aValueWhoseTtlRanOutIsAMarkerThatReadsAsAPurgeThenGoesInTurn() throws Exception {
        try (JetStartStore store = open()) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("lm").withHistory(3).withLimitMarker(Duration.ofSeconds(1)));
            kv.put("stay", b("s"));
            List<KeyValueEntry> seen = new CopyOnWriteArrayList<>();
            try (KeyValueWatch w = kv.watch(">", seen::add, WatchOption.UPDATES_ONLY)) {
                long t = kv.create("t", b("t"), Duration.ofSeconds(1));
                await("t's marker", () -> seen.stream().anyMatch(e -> e.key().equals("t") && e.operation() == KeyValueOperation.PURGE));
                List<KeyValueEntry> history = kv.history("t");
                assertThat(history).hasSize(1);
                KeyValueEntry marker = history.get(0);
                assertThat(marker.revision()).isGreaterThan(t);
                assertThat(marker.operation()).as("jnats: instanceByMarkerReason(\"MaxAge\") is PURGE").isEqualTo(KeyValueOperation.PURGE);
                assertThat(marker.value()).isEmpty();
                assertThat(headers(kv, marker.revision()))
                        .isEqualTo("NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: 1s\r\nNats-Rollup: sub\r\n\r\n");
                assertThat(kv.get("t")).isEmpty();
                assertThat(kv.keys()).containsExactly("stay");
                assertThat(seen).extracting(KeyValueEntry::key, KeyValueEntry::operation)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("t", KeyValueOperation.PUT),
                                org.assertj.core.groups.Tuple.tuple("t", KeyValueOperation.PURGE));
                long afterMarker = kv.create("t", b("t2"), Duration.ofSeconds(3600));
                assertThat(afterMarker).as("a create takes the key back over its marker").isGreaterThan(marker.revision());
                kv.delete("t");
            }
            // A marker is never followed by another: once its own TTL ran out the key has no entry left
            // but the delete. "stay" has no TTL and the bucket none: it stays.
            KeyValue lm = kv;
            long t0 = lm.create("gone", b("g"), Duration.ofSeconds(1));
            await("gone's marker and then the marker itself", () -> {
                try {
                    return lm.history("gone").isEmpty();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(kv.stream().get(t0)).isEmpty();
            assertThat(kv.get("stay")).isPresent();
        }
    }

    @Test
    void aBucketJnatsMadeWithALimitMarkerOpensAsSuchAnd2151sEntriesReadAsJnatsReadsThem() throws Exception {
        Path store = Fixtures.copyStore("nats-2.15.1-features", dir);
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            KeyValue kv = KeyValue.open(rt, "$G", "KVT");
            assertThat(kv.config()).isEqualTo(KeyValueConfig.of("KVT").withHistory(3).withLimitMarker(Duration.ofSeconds(10)));
            assertThat(kv.stream().readOnlyReason()).isEmpty();
            // 2.15.1 restarted on the store: t1's and t2's markers ran out, n never does, p's purge lives a century.
            assertThat(kv.keys()).containsExactly("a", "n");
            assertThat(kv.get("n").orElseThrow().valueAsString()).isEqualTo("n");
            assertThat(kv.history("p")).extracting(KeyValueEntry::operation).containsExactly(KeyValueOperation.PURGE);
            assertThat(kv.history("t1")).isEmpty();
            assertThat(kv.history("b")).extracting(KeyValueEntry::operation).containsExactly(KeyValueOperation.PUT, KeyValueOperation.DEL);
            long t = kv.create("t1", b("again"), Duration.ofSeconds(1));
            assertThat(headers(kv, t)).isEqualTo("NATS/1.0\r\nNats-Expected-Last-Subject-Sequence:0\r\nNats-TTL: 10\r\n\r\n");
        }
    }
}
