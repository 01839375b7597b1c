package io.jetstart.runtime.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.runtime.Headers;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStreamApiException;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyValueTest {
    @TempDir
    Path dir;

    private JetStartStore open() throws Exception {
        return JetStart.open(dir, RuntimeOptions.defaults());
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private JsonNode meta(String account, String stream) throws Exception {
        return new ObjectMapper().readTree(Files.readAllBytes(dir.resolve("jetstream").resolve(account).resolve("streams")
                .resolve(stream).resolve("meta.inf")));
    }

    @Test
    void aNewBucketIsTheStreamJnatsCreates() throws Exception {
        try (JetStartStore store = open()) {
            store.createKeyValue(KeyValueConfig.of("cfg").withHistory(5).withTtl(Duration.ofSeconds(30))
                    .withMaxValueSize(1024).withMaxBucketSize(1 << 20).withDescription("settings"));
        }
        JsonNode m = meta("$G", "KV_cfg");
        assertThat(m.get("name").asText()).isEqualTo("KV_cfg");
        assertThat(m.get("subjects").toString()).isEqualTo("[\"$KV.cfg.>\"]");
        assertThat(m.get("max_msgs_per_subject").asLong()).isEqualTo(5);
        assertThat(m.get("max_age").asLong()).isEqualTo(30_000_000_000L);
        assertThat(m.get("duplicate_window").asLong()).isEqualTo(30_000_000_000L);
        assertThat(m.get("max_msg_size").asLong()).isEqualTo(1024);
        assertThat(m.get("max_bytes").asLong()).isEqualTo(1 << 20);
        assertThat(m.get("max_msgs").asLong()).isEqualTo(-1);
        assertThat(m.get("discard").asText()).isEqualTo("new");
        assertThat(m.get("allow_rollup_hdrs").asBoolean()).isTrue();
        assertThat(m.get("deny_delete").asBoolean()).isTrue();
        assertThat(m.get("deny_purge").asBoolean()).isFalse();
        assertThat(m.get("allow_direct").asBoolean()).isTrue();
        assertThat(m.get("description").asText()).isEqualTo("settings");
    }

    @Test
    void aNewBucketsMetaInfIsLaidOutAsNatsServerWritesIt() throws Exception {
        try (JetStartStore store = open()) {
            store.createKeyValue(KeyValueConfig.of("cfg").withHistory(5).withTtl(Duration.ofSeconds(30))
                    .withMaxValueSize(1024).withMaxBucketSize(1 << 20).withDescription("settings"));
        }
        String m = Files.readString(dir.resolve("jetstream/$G/streams/KV_cfg/meta.inf"));
        // nats-server 2.10's layout (MetaInfLayoutIT compares with the file a real server writes):
        // description after the name, '>' escaped as Go escapes it.
        assertThat(m.substring(m.indexOf("\"name\""))).isEqualTo("\"name\":\"KV_cfg\",\"description\":\"settings\","
                + "\"subjects\":[\"$KV.cfg.\\u003e\"],\"retention\":\"limits\",\"max_consumers\":-1,\"max_msgs\":-1,"
                + "\"max_bytes\":1048576,\"max_age\":30000000000,\"max_msgs_per_subject\":5,\"max_msg_size\":1024,"
                + "\"discard\":\"new\",\"storage\":\"file\",\"num_replicas\":1,\"duplicate_window\":30000000000,"
                + "\"compression\":\"none\",\"allow_direct\":true,\"mirror_direct\":false,\"sealed\":false,"
                + "\"deny_delete\":true,\"deny_purge\":false,\"allow_rollup_hdrs\":true,\"consumer_limits\":{}}");
    }

    @Test
    void theDefaultsAreHistoryOneNoTtlNoLimitsAndATwoMinuteDuplicateWindow() throws Exception {
        try (JetStartStore store = open()) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("d"));
            assertThat(kv.config()).isEqualTo(KeyValueConfig.of("d"));
        }
        JsonNode m = meta("$G", "KV_d");
        assertThat(m.get("max_msgs_per_subject").asLong()).isEqualTo(1);
        assertThat(m.get("max_age").asLong()).isZero();
        assertThat(m.get("max_msg_size").asLong()).isEqualTo(-1);
        assertThat(m.get("max_bytes").asLong()).isEqualTo(-1);
        assertThat(m.get("duplicate_window").asLong()).isEqualTo(120_000_000_000L);
    }

    @Test
    void bucketNamesKeysAndHistoryAreCheckedWithJnatsMessages() {
        assertThatThrownBy(() -> KeyValueConfig.of("a.b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Bucket Name must only contain A-Z, a-z, 0-9, '-' or '_' [a.b]");
        assertThatThrownBy(() -> KeyValueConfig.of("")).hasMessage("Bucket Name cannot be null or empty.");
        assertThatThrownBy(() -> KeyValueConfig.of("x").withHistory(65)).hasMessage("Max History must be from 1 to 64 inclusive.");
        assertThatThrownBy(() -> KeyValueConfig.of("x").withHistory(0)).hasMessage("Max History must be from 1 to 64 inclusive.");
        assertThat(KvNames.checkKey("a-b_c/d=e.f")).isEqualTo("a-b_c/d=e.f");
        assertThatThrownBy(() -> KvNames.checkKey(".a")).hasMessage(KvNames.KEY_CHARS + ".a]");
        assertThatThrownBy(() -> KvNames.checkKey("a*")).hasMessage(KvNames.KEY_CHARS + "a*]");
        assertThatThrownBy(() -> KvNames.checkKey("a b")).hasMessage(KvNames.KEY_CHARS + "a b]");
        assertThatThrownBy(() -> KvNames.checkKey("")).hasMessage("Key cannot be null or empty.");
        assertThatThrownBy(() -> KvNames.checkKey("a.")).hasMessage("Key cannot end with '.' or hold an empty token [a.]");
        assertThat(KvNames.checkPattern("a.*.>")).isEqualTo("a.*.>");
        assertThatThrownBy(() -> KvNames.checkPattern("a?")).hasMessage(KvNames.PATTERN_CHARS + "a?]");
    }

    @Test
    void operationsAreReadFromTheKvHeaderThenFromTheServersMarkerReasonAsJnatsReadsThem() {
        assertThat(KeyValueOperation.of(new byte[0])).isEqualTo(KeyValueOperation.PUT);
        assertThat(KeyValueOperation.of(Headers.of("KV-Operation", "DEL").encode())).isEqualTo(KeyValueOperation.DEL);
        assertThat(KeyValueOperation.of(Headers.of("KV-Operation", "PURGE", "Nats-Rollup", "sub").encode()))
                .isEqualTo(KeyValueOperation.PURGE);
        assertThat(KeyValueOperation.of(Headers.of("Nats-Marker-Reason", "Remove").encode())).isEqualTo(KeyValueOperation.DEL);
        assertThat(KeyValueOperation.of(Headers.of("Nats-Marker-Reason", "MaxAge").encode())).isEqualTo(KeyValueOperation.PURGE);
        assertThat(KeyValueOperation.of(Headers.of("Nats-Marker-Reason", "Purge").encode())).isEqualTo(KeyValueOperation.PURGE);
        assertThat(KeyValueOperation.of(Headers.of("X-Other", "DEL").encode())).isEqualTo(KeyValueOperation.PUT);
    }

    @Test
    void putReturnsRevisionsAndGetReadsTheLatestOrAGivenRevisionWithinHistory() throws Exception {
        try (JetStartStore store = open()) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("b").withHistory(3));
            for (int i = 1; i <= 5; i++) {
                assertThat(kv.put("k", b("v" + i))).isEqualTo(i);
            }
            kv.put("other", b("o"));
            KeyValueEntry e = kv.get("k").orElseThrow();
            assertThat(e.valueAsString()).isEqualTo("v5");
            assertThat(e.revision()).isEqualTo(5);
            assertThat(e.bucket()).isEqualTo("b");
            assertThat(e.key()).isEqualTo("k");
            assertThat(e.operation()).isEqualTo(KeyValueOperation.PUT);
            assertThat(e.delta()).isZero();
            assertThat(kv.get("k", 3).orElseThrow().valueAsString()).isEqualTo("v3");
            assertThat(kv.get("k", 2)).as("beyond history").isEmpty();
            assertThat(kv.get("k", 6)).as("another key's revision").isEmpty();
            assertThat(kv.get("missing")).isEmpty();
            assertThat(kv.history("k")).extracting(KeyValueEntry::revision).containsExactly(3L, 4L, 5L);
            assertThat(kv.history("k")).extracting(KeyValueEntry::delta).containsExactly(2L, 1L, 0L);
        }
    }

    @Test
    void createWritesOnlyWhenTheKeyHasNoValueOrEndsInADeleteOrPurgeMarker() throws Exception {
        try (JetStartStore store = open()) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("c").withHistory(10));
            assertThat(kv.create("k", b("first"))).isEqualTo(1);
            assertThatThrownBy(() -> kv.create("k", b("again"))).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.errCode()).isEqualTo(10071)).hasMessageContaining("wrong last sequence: 1");
            assertThat(kv.delete("k")).isEqualTo(2);
            assertThat(kv.create("k", b("after delete"))).isEqualTo(3);
            assertThat(kv.purge("k")).isEqualTo(4);
            assertThat(kv.create("k", b("after purge"))).isEqualTo(5);
            assertThat(kv.get("k").orElseThrow().valueAsString()).isEqualTo("after purge");
        }
    }

    @Test
    void updateWritesOnlyAtTheExpectedRevision() throws Exception {
        try (JetStartStore store = open()) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("u"));
            long r1 = kv.put("k", b("1"));
            kv.put("x", b("other key"));
            assertThat(kv.update("k", b("2"), r1)).isEqualTo(3);
            assertThatThrownBy(() -> kv.update("k", b("3"), r1)).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.description()).isEqualTo("wrong last sequence: 3"));
            assertThatThrownBy(() -> kv.delete("k", 1)).isInstanceOf(JetStreamApiException.class);
            assertThat(kv.delete("k", 3)).isEqualTo(4);
            assertThatThrownBy(() -> kv.purge("k", 3)).isInstanceOf(JetStreamApiException.class);
            assertThat(kv.purge("k", 4)).isEqualTo(5);
        }
    }

    @Test
    void deleteLeavesAMarkerInTheHistoryAndPurgeRollsTheHistoryUpToItsMarker() throws Exception {
        try (JetStartStore store = open()) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("h").withHistory(10));
            kv.put("a", b("1"));
            kv.put("a", b("2"));
            kv.delete("a");
            kv.put("b", b("1"));
            kv.put("b", b("2"));
            kv.purge("b");
            assertThat(kv.get("a")).isEmpty();
            assertThat(kv.get("b")).isEmpty();
            assertThat(kv.history("a")).extracting(KeyValueEntry::operation)
                    .containsExactly(KeyValueOperation.PUT, KeyValueOperation.PUT, KeyValueOperation.DEL);
            List<KeyValueEntry> b = kv.history("b");
            assertThat(b).extracting(KeyValueEntry::operation).containsExactly(KeyValueOperation.PURGE);
            assertThat(b.get(0).revision()).isEqualTo(6);
            assertThat(b.get(0).value()).isEmpty();
            assertThat(kv.stream().info().messages()).isEqualTo(4);
            assertThat(kv.keys()).isEmpty();
        }
    }

    @Test
    void keysListsTheKeysWhoseLatestEntryIsAPutInRevisionOrderWithFilters() throws Exception {
        try (JetStartStore store = open()) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("k").withHistory(2));
            kv.put("app.x", b("1"));
            kv.put("app.y", b("1"));
            kv.put("db.host", b("1"));
            kv.put("app.x", b("2"));
            kv.put("gone", b("1"));
            kv.delete("gone");
            kv.put("app.z.deep", b("1"));
            assertThat(kv.keys()).containsExactly("app.y", "db.host", "app.x", "app.z.deep");
            assertThat(kv.keys("app.*")).containsExactly("app.y", "app.x");
            assertThat(kv.keys("app.>")).containsExactly("app.y", "app.x", "app.z.deep");
            assertThat(kv.keys("none")).isEmpty();
        }
    }

    @Test
    void aValueAboveTheBucketsValueSizeIsRefusedWithTheServersError() throws Exception {
        try (JetStartStore store = open()) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("s").withMaxValueSize(8));
            kv.put("k", b("12345678"));
            assertThatThrownBy(() -> kv.put("k", b("123456789"))).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.errCode()).isEqualTo(10054));
        }
    }

    @Test
    void aFullBucketRefusesTheNextValueWithDiscardNewsError() throws Exception {
        try (JetStartStore store = open()) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("full").withMaxBucketSize(300));
            int stored = 0;
            JetStreamApiException refused = null;
            for (int i = 0; i < 20 && refused == null; i++) {
                try {
                    kv.put("k" + i, new byte[40]);
                    stored++;
                } catch (JetStreamApiException e) {
                    refused = e;
                }
            }
            assertThat(stored).isPositive();
            assertThat(refused).isNotNull();
            assertThat(refused.errCode()).isEqualTo(10077);
            assertThat(refused.description()).isEqualTo("maximum bytes exceeded");
            assertThat(kv.keys()).hasSize(stored);
        }
    }

    @Test
    void keysAndWatchesRefuseAnInvalidPatternAndKeyOperationsAWildcard() throws Exception {
        try (JetStartStore store = open()) {
            KeyValue kv = store.createKeyValue(KeyValueConfig.of("pat"));
            assertThatThrownBy(() -> kv.keys("a b")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> kv.watch(".a", e -> { })).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> kv.put("a.*", b("v"))).hasMessage(KvNames.KEY_CHARS + "a.*]");
            assertThatThrownBy(() -> kv.history(">")).hasMessage(KvNames.KEY_CHARS + ">]");
            assertThat(kv.stream().info().messages()).isZero();
        }
    }

    @Test
    void aReopenedStoreServesTheBucketAndAnAbsentBucketIsStreamNotFound() throws Exception {
        try (JetStartStore store = open()) {
            store.createKeyValue(KeyValueConfig.of("p")).put("k", b("kept"));
        }
        try (JetStartStore store = open()) {
            KeyValue kv = store.keyValue("p");
            assertThat(kv.get("k").orElseThrow().valueAsString()).isEqualTo("kept");
            assertThat(kv.put("k", b("next"))).isEqualTo(2);
            assertThatThrownBy(() -> store.keyValue("nope")).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.errCode()).isEqualTo(10059));
        }
    }

    @Test
    void theSameSettingsAgainOpenTheBucketAndDifferentOnesAreRefused() throws Exception {
        try (JetStartStore store = open()) {
            store.createKeyValue(KeyValueConfig.of("same").withHistory(2)).put("k", b("v"));
            assertThat(store.createKeyValue(KeyValueConfig.of("same").withHistory(2)).get("k")).isPresent();
            assertThatThrownBy(() -> store.createKeyValue(KeyValueConfig.of("same").withHistory(3)))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10058));
        }
    }

    @Test
    void bucketsLiveInTheirAccountAndDeleteRemovesTheStream() throws Exception {
        try (JetStartStore store = open()) {
            Files.createDirectories(dir.resolve("jetstream").resolve("ACC").resolve("streams"));
            KeyValue kv = store.createKeyValue("ACC", KeyValueConfig.of("acc"));
            kv.put("k", b("v"));
            assertThat(kv.account()).isEqualTo("ACC");
            assertThat(store.keyValue("ACC", "acc").get("k")).isPresent();
            assertThat(Files.isDirectory(dir.resolve("jetstream/ACC/streams/KV_acc"))).isTrue();
            store.deleteKeyValue("ACC", "acc");
            assertThat(Files.exists(dir.resolve("jetstream/ACC/streams/KV_acc"))).isFalse();
        }
    }
}
