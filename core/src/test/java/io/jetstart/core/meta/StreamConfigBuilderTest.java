package io.jetstart.core.meta;

import static io.jetstart.core.meta.BuilderJson.assertSetterWritesOnly;
import static io.jetstart.core.meta.BuilderJson.keys;
import static io.jetstart.core.meta.BuilderJson.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.meta.StreamConfig.Discard;
import io.jetstart.core.meta.StreamConfig.Retention;
import io.jetstart.core.meta.StreamConfigBuilder.Compression;
import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class StreamConfigBuilderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode fixtureJson(String fixture, String stream) throws Exception {
        byte[] bytes = Files.readAllBytes(Fixtures.streamDir(Fixtures.root().resolve(fixture), stream).resolve("meta.inf"));
        ObjectNode n = (ObjectNode) JSON.readTree(bytes);
        n.remove("Created");
        return n;
    }

    private static void assertSameKeyForKey(StreamConfig built, ObjectNode server) {
        ObjectNode mine = built.json();
        assertThat(keys(mine)).isEqualTo(keys(server));
        for (Iterator<String> it = server.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            assertThat(mine.get(k)).as(k).isEqualTo(server.get(k));
        }
    }

    @Test
    void aLimitsStreamIsKeyForKeyWhatNatsServer210Wrote() throws Exception {
        StreamConfig built = StreamConfig.builder("MAX1").subjects("max1.*").maxMsgs(800).build();

        assertSameKeyForKey(built, fixtureJson("nats-2.10.27-small", "MAX1"));
    }

    @Test
    void anInterestStreamIsKeyForKeyWhatNatsServer210Wrote() throws Exception {
        StreamConfig built = StreamConfig.builder("INT1").subjects("int1.*").retention(Retention.INTEREST).build();

        assertSameKeyForKey(built, fixtureJson("nats-2.10.27-small", "INT1"));
    }

    @Test
    void aCompressedKeyValueStreamIsKeyForKeyWhatNatsServer210Wrote() throws Exception {
        StreamConfig built = StreamConfig.builder("KV_CFG").subjects("$KV.CFG.>").maxBytes(120_000).maxMsgsPerSubject(3)
                .discard(Discard.NEW).compression(Compression.S2).allowDirect(true).denyDelete(true).allowRollupHdrs(true)
                .build();

        assertSameKeyForKey(built, fixtureJson("nats-2.10.27-s2", "KV_CFG"));
        assertThat(built.subjects()).containsExactly("$KV.CFG.>");
        assertThat(built.discard()).isEqualTo(Discard.NEW);
    }

    @Test
    void theBuiltConfigIsWhatParseGivesForItsOwnBytes() throws Exception {
        StreamConfig built = StreamConfig.builder("ORDERS").subjects("orders.*").maxMsgs(1_000_000)
                .maxAge(Duration.ofDays(7)).discard(Discard.NEW).build();

        assertThat(StreamConfig.parse(built.originalBytes())).isEqualTo(built);
        assertThat(built.maxMsgs()).isEqualTo(1_000_000);
        assertThat(built.maxAgeNanos()).isEqualTo(Duration.ofDays(7).toNanos());
        assertThat(built.has("Created")).isFalse();
    }

    /** One setter, the key it must write and the value, as the server writes it. */
    private record Setter(String key, UnaryOperator<StreamConfigBuilder> call, String json) {
    }

    @Test
    void everySetterWritesTheServersFieldAndNoOther() throws Exception {
        List<Setter> setters = List.of(
                new Setter("description", b -> b.description("orders"), "\"orders\""),
                new Setter("subjects", b -> b.subjects("a.*", "b.>"), "[\"a.*\",\"b.>\"]"),
                new Setter("retention", b -> b.retention(Retention.WORKQUEUE), "\"workqueue\""),
                new Setter("max_consumers", b -> b.maxConsumers(7), "7"),
                new Setter("max_msgs", b -> b.maxMsgs(5), "5"),
                new Setter("max_bytes", b -> b.maxBytes(1 << 20), "1048576"),
                new Setter("max_msgs_per_subject", b -> b.maxMsgsPerSubject(3), "3"),
                new Setter("max_msg_size", b -> b.maxMsgSize(1024), "1024"),
                new Setter("discard", b -> b.discard(Discard.NEW), "\"new\""),
                new Setter("num_replicas", b -> b.numReplicas(3), "3"),
                new Setter("duplicate_window", b -> b.duplicateWindow(Duration.ofSeconds(30)), "30000000000"),
                new Setter("compression", b -> b.compression(Compression.S2), "\"s2\""),
                new Setter("allow_direct", b -> b.allowDirect(true), "true"),
                new Setter("sealed", b -> b.sealed(true), "true"),
                new Setter("deny_delete", b -> b.denyDelete(true), "true"),
                new Setter("deny_purge", b -> b.denyPurge(true), "true"),
                new Setter("allow_rollup_hdrs", b -> b.allowRollupHdrs(true), "true"),
                new Setter("consumer_limits", b -> b.consumerLimits(Duration.ofMinutes(1), 50),
                        "{\"inactive_threshold\":60000000000,\"max_ack_pending\":50}"),
                new Setter("metadata", b -> b.metadata(Map.of("team", "billing")), "{\"team\":\"billing\"}"));
        ObjectNode defaults = StreamConfig.builder("S").build().json();
        for (Setter s : setters) {
            assertSetterWritesOnly(s.key(), s.json(), s.call().apply(StreamConfig.builder("S")).build().json(), defaults);
        }
        // Set together, they are written in the server's order, omitempty keys in their place.
        ObjectNode all = StreamConfig.builder("S").metadata(Map.of("k", "v")).maxMsgsPerSubject(2)
                .discardNewPerSubject(true).discard(Discard.NEW).description("d").build().json();
        assertThat(keys(all)).containsSubsequence("name", "description", "subjects", "retention", "allow_direct",
                "mirror_direct", "discard_new_per_subject", "sealed", "consumer_limits", "metadata");
        assertThat(all.get("discard_new_per_subject").asBoolean()).isTrue();
    }

    @Test
    void maxAgeWritesNanosecondsAndShortensTheDefaultDuplicateWindow() {
        ObjectNode j = StreamConfig.builder("S").maxAge(Duration.ofSeconds(30)).build().json();

        assertThat(j.get("max_age").asLong()).isEqualTo(30_000_000_000L);
        assertThat(j.get("duplicate_window").asLong()).isEqualTo(30_000_000_000L);
        assertThat(StreamConfig.builder("S").maxAge(Duration.ofHours(1)).build().json().get("duplicate_window").asLong())
                .isEqualTo(120_000_000_000L);
    }

    @Test
    void zeroMeansNoLimitAndIsWrittenAsTheServerWritesIt() {
        StreamConfig c = StreamConfig.builder("S").maxMsgs(0).maxBytes(0).maxMsgsPerSubject(0).maxMsgSize(0).maxConsumers(0)
                .build();

        for (String k : List.of("max_msgs", "max_bytes", "max_msgs_per_subject", "max_msg_size", "max_consumers")) {
            assertThat(c.json().get(k).asLong()).as(k).isEqualTo(-1);
        }
    }

    @Test
    void valuesOutOfTheServersRangesAreRefusedNamingTheField() {
        assertThatThrownBy(() -> StreamConfig.builder("S").maxMsgs(-2)).hasMessageStartingWith("max_msgs ");
        assertThatThrownBy(() -> StreamConfig.builder("S").maxBytes(-5)).hasMessageStartingWith("max_bytes ");
        assertThatThrownBy(() -> StreamConfig.builder("S").maxMsgsPerSubject(-2)).hasMessageStartingWith("max_msgs_per_subject ");
        assertThatThrownBy(() -> StreamConfig.builder("S").maxMsgSize(-2)).hasMessageStartingWith("max_msg_size ");
        assertThatThrownBy(() -> StreamConfig.builder("S").maxMsgSize(1L << 31)).hasMessageStartingWith("max_msg_size ");
        assertThatThrownBy(() -> StreamConfig.builder("S").maxConsumers(-2)).hasMessageStartingWith("max_consumers ");
        assertThatThrownBy(() -> StreamConfig.builder("S").maxAge(Duration.ofMillis(99))).hasMessageStartingWith("max_age ");
        assertThatThrownBy(() -> StreamConfig.builder("S").maxAge(Duration.ofSeconds(-1))).hasMessageStartingWith("max_age ");
        assertThatThrownBy(() -> StreamConfig.builder("S").maxAge(Duration.ofSeconds(Long.MAX_VALUE)))
                .hasMessageStartingWith("max_age ");
        assertThatThrownBy(() -> StreamConfig.builder("S").duplicateWindow(Duration.ZERO)).hasMessageStartingWith("duplicate_window ");
        assertThatThrownBy(() -> StreamConfig.builder("S").numReplicas(0)).hasMessageStartingWith("num_replicas ");
        assertThatThrownBy(() -> StreamConfig.builder("S").numReplicas(6)).hasMessageStartingWith("num_replicas ");
        assertThatThrownBy(() -> StreamConfig.builder("S").description("x".repeat(4097))).hasMessageStartingWith("description ");
        assertThatThrownBy(() -> StreamConfig.builder("S").metadata(Map.of("k", "v".repeat(128 * 1024))))
                .hasMessageStartingWith("metadata ");
        assertThatThrownBy(() -> StreamConfig.builder("S").consumerLimits(Duration.ZERO, -1))
                .hasMessageStartingWith("consumer_limits.max_ack_pending ");
        for (String subject : List.of("", "a..b", "a.>.b", "a b", ".a")) {
            assertThatThrownBy(() -> StreamConfig.builder("S").subjects(subject)).as(subject).hasMessageStartingWith("subjects ");
        }
        assertThatThrownBy(() -> StreamConfig.builder("S").subjects("a", "a")).hasMessageStartingWith("subjects ");
        assertThatThrownBy(() -> StreamConfig.builder("S").subjects(List.of())).hasMessageStartingWith("subjects ");
        for (String name : List.of("", "a.b", "a*", "a>", "a/b", "a\\b", "a b", "x".repeat(256))) {
            assertThatThrownBy(() -> StreamConfig.builder(name)).as(name).hasMessageStartingWith("name ");
        }
    }

    @Test
    void fieldsThatContradictEachOtherAreRefusedByBuildNamingBoth() {
        assertThatThrownBy(() -> StreamConfig.builder("S").maxAge(Duration.ofSeconds(10)).duplicateWindow(Duration.ofSeconds(20))
                .build()).hasMessageContainingAll("duplicate_window", "max_age");
        assertThatThrownBy(() -> StreamConfig.builder("S").denyPurge(true).allowRollupHdrs(true).build())
                .hasMessageContainingAll("allow_rollup_hdrs", "deny_purge");
        assertThatThrownBy(() -> StreamConfig.builder("S").maxMsgsPerSubject(1).discardNewPerSubject(true).build())
                .hasMessageContainingAll("discard_new_per_subject", "discard new");
        assertThatThrownBy(() -> StreamConfig.builder("S").discard(Discard.NEW).discardNewPerSubject(true).build())
                .hasMessageContainingAll("discard_new_per_subject", "max_msgs_per_subject");
    }

    @Test
    void aStreamWithoutSubjectsListensOnItsName() {
        StreamConfig c = StreamConfig.builder("ORDERS").build();

        assertThat(c.json().get("subjects")).isEqualTo(JSON.createArrayNode().add("ORDERS"));
    }

    @Test
    void toBuilderKeepsEveryKeyOfTheConfigUnlessASetterReplacesIt() throws Exception {
        StreamConfig server = StreamConfig.parse(Files.readAllBytes(
                Fixtures.streamDir(Fixtures.root().resolve("nats-2.15.1-small"), "MAX1").resolve("meta.inf")));

        StreamConfig updated = server.toBuilder().maxMsgs(10).description("ten").build();

        assertThat(updated.json()).isEqualTo(with(server.json(), Map.of("max_msgs", 10, "description", "ten")));
        assertThat(keys(updated.json())).containsSubsequence("Created", "name", "description", "subjects", "consumer_limits",
                "allow_msg_ttl", "metadata");
        assertThat(updated.created()).isEqualTo(server.created());
        // Nothing set: the same keys and values as the server's file.
        assertThat(server.toBuilder().build().json()).isEqualTo(server.json());
        assertThat(server.toBuilder().description("").build().has("description")).isFalse();
    }

    @Test
    void toBuilderOfAConfigWithoutANameNeedsOne() throws Exception {
        StreamConfig nameless = StreamConfig.parse("{\"subjects\":[\"a\"]}".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> nameless.toBuilder().build()).hasMessageStartingWith("name ");
        assertThat(nameless.toBuilder().name("A").build().name()).isEqualTo("A");
    }

    @Test
    void aBuilderCanBuildAgainAfterMoreSetters() {
        StreamConfigBuilder b = StreamConfig.builder("S").maxMsgs(5);
        StreamConfig first = b.build();
        StreamConfig second = b.maxMsgs(6).build();

        assertThat(first.maxMsgs()).isEqualTo(5);
        assertThat(second.maxMsgs()).isEqualTo(6);
        assertThat(new String(second.originalBytes(), StandardCharsets.UTF_8)).contains("\"max_msgs\":6");
    }

    @Test
    void builtBytesEscapeStringsAsGoDoes() {
        StreamConfig c = StreamConfig.builder("KV_B").subjects("$KV.B.>").description("a<b & c\u2028\u0001\n\u00e9").build();

        String bytes = new String(c.originalBytes(), StandardCharsets.UTF_8);
        assertThat(bytes).contains("\"subjects\":[\"$KV.B.\\u003e\"]")
                .contains("\"description\":\"a\\u003cb \\u0026 c\\u2028\\u0001\\n\u00e9\"");
        assertThat(c.subjects()).containsExactly("$KV.B.>");
        assertThat(c.json().get("description").asText()).isEqualTo("a<b & c\u2028\u0001\n\u00e9");
    }
}
