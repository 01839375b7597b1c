package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.meta.MetaFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stream configs that are valid JSON with a matching {@code meta.sum} but odd or hostile values
 * (a hand edit, a newer server's fields, a tool's bug), each in a stream {@code ODD} beside a
 * normal stream {@code N}. Whatever ODD's config, N is served and writable, the store opens and
 * closes without a hang, and no file of ODD changes; ODD itself is served writable with the
 * server's semantics, read-only with a reason, or failed with a reason naming its
 * {@code meta.inf}. Configs nats-server would not restore are read-only (what the server does
 * with each is recorded by OddStreamConfigIT).
 */
class OddStreamConfigTest {
    @TempDir
    Path dir;

    /** A meta.inf as nats-server 2.10 writes it for {@code ODD} on {@code odd.>}. */
    static final String BASE = io.jetstart.core.testing.MetaInfText.base("ODD", "odd.>");

    /** {@link #BASE} with {@code key}'s value replaced by the JSON {@code value}, or the pair added at the end. */
    static String with(String key, String value) {
        return "{" + replaced(BASE, key, value) + "}";
    }

    static String with(String k1, String v1, String k2, String v2) {
        return "{" + replaced(replaced(BASE, k1, v1), k2, v2) + "}";
    }

    private static String replaced(String body, String key, String value) {
        return io.jetstart.core.testing.MetaInfText.replaced(body, key, value);
    }

    enum Outcome { READY, READ_ONLY, FAILED }

    static Arguments odd(String what, String json, Outcome outcome, String reason) {
        return Arguments.of(what, json, outcome, reason);
    }

    static Stream<Arguments> catalogue() {
        String notRestored = StreamDefinitions.NOT_RESTORED;
        return Stream.of(
                // Limits at the edges of their types: served, no structure sized by them.
                odd("max_msgs below -1", with("max_msgs", "-5"), Outcome.READY, ""),
                odd("max_msgs at 2^63-1", with("max_msgs", "9223372036854775807"), Outcome.READY, ""),
                odd("max_bytes at 2^63-1", with("max_bytes", "9223372036854775807"), Outcome.READY, ""),
                odd("max_bytes below -1", with("max_bytes", "-9"), Outcome.READY, ""),
                odd("max_msgs_per_subject at 2^63-1", with("max_msgs_per_subject", "9223372036854775807"), Outcome.READY, ""),
                odd("max_msg_size 0", with("max_msg_size", "0"), Outcome.READY, ""),
                odd("max_msg_size at 2^31-1", with("max_msg_size", "2147483647"), Outcome.READY, ""),
                odd("max_consumers at 2^63-1", with("max_consumers", "9223372036854775807"), Outcome.READY, ""),
                odd("max_age at 2^63-1", with("max_age", "9223372036854775807"), Outcome.READY, ""),
                odd("duplicate_window at 2^63-1", with("duplicate_window", "9223372036854775807"), Outcome.READY, ""),
                odd("num_replicas 0", with("num_replicas", "0"), Outcome.READY, ""),
                odd("discard in capitals", with("discard", "\"NEW\""), Outcome.READY, ""),

                odd("a key given twice (the last counts)", with("max_msgs", "5").replace("\"max_bytes\":-1", "\"max_bytes\":-1,\"max_msgs\":-1"),
                        Outcome.READY, ""),
                odd("template_owner", with("template_owner", "\"T\""), Outcome.READY, ""),
                odd("first_seq 1000 (the first publish takes it)", with("first_seq", "1000"), Outcome.READY, ""),
                odd("placement", with("placement", "{\"cluster\":\"C\"}"), Outcome.READY, ""),
                odd("consumer_limits below zero", with("consumer_limits", "{\"inactive_threshold\":-5,\"max_ack_pending\":-9}"),
                        Outcome.READY, ""),
                odd("a description of 4096 bytes", with("description", "\"" + "d".repeat(4096) + "\""), Outcome.READY, ""),
                // What nats-server refuses at start (checkStreamCfg): read-only, in the server's words.
                odd("max_age of 1ns", with("max_age", "1"), Outcome.READ_ONLY, notRestored + "max age needs to be >= 100ms"),
                odd("max_age below 0", with("max_age", "-1"), Outcome.READ_ONLY, notRestored + "max age can not be negative"),
                odd("duplicate_window below 0", with("duplicate_window", "-1"), Outcome.READ_ONLY,
                        notRestored + "duplicates window can not be negative"),
                odd("duplicate_window of 1ns", with("duplicate_window", "1"), Outcome.READ_ONLY,
                        notRestored + "duplicates window needs to be >= 100ms"),
                odd("duplicate_window longer than max_age", with("max_age", "1000000000", "duplicate_window", "2000000000"),
                        Outcome.READ_ONLY, notRestored + "duplicates window can not be larger then max age"),
                odd("num_replicas 3", with("num_replicas", "3"), Outcome.READ_ONLY,
                        notRestored + "replicas > 1 not supported in non-clustered mode"),
                odd("num_replicas 99", with("num_replicas", "99"), Outcome.READ_ONLY, notRestored + "maximum replicas is 5"),
                odd("num_replicas below 0", with("num_replicas", "-1"), Outcome.READ_ONLY,
                        notRestored + "replicas count cannot be negative"),
                odd("a subject twice", with("subjects", "[\"odd.a\",\"odd.a\"]"), Outcome.READ_ONLY,
                        notRestored + "duplicate subjects detected"),
                odd("subjects overlapping each other", with("subjects", "[\"odd.a\",\"odd.*\"]"), Outcome.READ_ONLY,
                        notRestored + "subject \"odd.a\" overlaps with \"odd.*\""),
                odd("subject a..b", with("subjects", "[\"a..b\"]"), Outcome.READ_ONLY, notRestored + "invalid subject"),
                odd("subject empty", with("subjects", "[\"\"]"), Outcome.READ_ONLY, notRestored + "invalid subject"),
                odd("subject null", with("subjects", "[null]"), Outcome.READ_ONLY, notRestored + "invalid subject"),
                odd("subject > alone", with("subjects", "[\">\"]"), Outcome.READ_ONLY,
                        notRestored + "capturing all subjects requires no-ack to be true"),
                odd("subject $JS.API.>", with("subjects", "[\"$JS.API.>\"]"), Outcome.READ_ONLY,
                        notRestored + "subjects that overlap with jetstream api require no-ack to be true"),
                odd("subject with spaces the server trims", with("subjects", "[\" odd.sp \"]"), Outcome.READ_ONLY,
                        notRestored + "subject ' odd.sp ' has spaces nats-server trims at start ('odd.sp'); the runtime does not"),
                odd("name of another stream", with("name", "\"OTHER\""), Outcome.READ_ONLY, notRestored
                        + "the name in meta.inf, 'OTHER', is not its directory's, 'ODD': nats-server would serve the stream from the directory of that name"),
                odd("name with a dot", with("name", "\"O.D\""), Outcome.READ_ONLY,
                        notRestored + "stream name is required and can not contain '.', '*', '>'"),
                odd("name empty", with("name", "\"\""), Outcome.READ_ONLY,
                        notRestored + "stream name is required and can not contain '.', '*', '>'"),
                odd("deny_purge with allow_rollup_hdrs", with("deny_purge", "true", "allow_rollup_hdrs", "true"), Outcome.READ_ONLY,
                        notRestored + "roll-ups require the purge permission"),
                odd("discard_new_per_subject without discard new", with("discard_new_per_subject", "true"), Outcome.READ_ONLY,
                        notRestored + "discard new per subject requires discard new policy to be set"),
                odd("metadata over 128 KiB", with("metadata", "{\"k\":\"" + "x".repeat(200_000) + "\"}"), Outcome.READ_ONLY,
                        notRestored + "stream metadata exceeds maximum size of 131072 bytes"),
                odd("a description over 4 KiB", with("description", "\"" + "d".repeat(5000) + "\""), Outcome.READ_ONLY,
                        notRestored + "stream description is too long, maximum allowed is 4096"),
                odd("an unknown key", with("zzz_future", "{\"a\":[1,2,3]}"), Outcome.READ_ONLY, notRestored
                        + "json: unknown field \"zzz_future\" (nats-server 2.11+ refuses the file; the runtime does not know the key)"),
                odd("a known key in capitals", "{" + BASE.replace("\"max_msgs\":-1", "\"MAX_MSGS\":1") + "}", Outcome.READ_ONLY,
                        notRestored + "key \"MAX_MSGS\" is read by nats-server as \"max_msgs\" (Go matches keys in any letter case); the runtime does not"),
                odd("first_seq of 2^63", with("first_seq", "9223372036854775808"), Outcome.READ_ONLY,
                        "first_seq 9223372036854775808 is beyond the sequences the runtime writes (2^63-1)"),
                odd("first_seq of 2^64-1", with("first_seq", "18446744073709551615"), Outcome.READ_ONLY,
                        "first_seq 18446744073709551615 is beyond the sequences the runtime writes (2^63-1)"),
                odd("subject *.> (2.11.10+: it could match the API's)", with("subjects", "[\"*.>\"]"), Outcome.READ_ONLY,
                        notRestored + "subjects that overlap with jetstream api require no-ack to be true"),
                // Features the runtime does not write: read-only.
                odd("storage memory", with("storage", "\"memory\""), Outcome.READ_ONLY, "storage 'memory' is not a file store"),
                odd("allow_msg_ttl in a store without index.db v2+", with("allow_msg_ttl", "true"), Outcome.READ_ONLY,
                        "'allow_msg_ttl' needs index.db version 2 or later (a per-block count of TTL messages); this store's is 1 "
                        + "(nats-server 2.10, which has no per-message TTL); open it with RuntimeOptions.withIndexVersion(4)"),
                odd("subject_delete_marker_ttl without allow_msg_ttl (never so in the server's files)",
                        with("subject_delete_marker_ttl", "1000000000"), Outcome.READ_ONLY,
                        "subject delete markers without allow_msg_ttl and allow_rollup_hdrs (or with deny_purge), as nats-server never writes them"),
                odd("allow_msg_counter", with("allow_msg_counter", "true"), Outcome.READ_ONLY,
                        "'allow_msg_counter' is not supported by the runtime yet"),
                odd("allow_msg_schedules", with("allow_msg_schedules", "true"), Outcome.READ_ONLY,
                        "'allow_msg_schedules' is not supported by the runtime yet"),
                odd("allow_atomic", with("allow_atomic", "true"), Outcome.READ_ONLY, "'allow_atomic' is not supported by the runtime yet"),
                odd("a mirror", with("mirror", "{\"name\":\"N\"}"), Outcome.READ_ONLY,
                        "the stream is a mirror; mirrors are not written by the runtime yet"),
                odd("sources", with("sources", "[{\"name\":\"N\"}]"), Outcome.READ_ONLY,
                        "the stream has sources; sourcing is not written by the runtime yet"),
                // What Go's json.Unmarshal refuses: failed, naming the file.
                odd("max_msg_size at 2^31", with("max_msg_size", "2147483648"), Outcome.FAILED, "expected a 32-bit integer"),
                odd("retention unknown", with("retention", "\"forever\""), Outcome.FAILED, "\"forever\" is not one of"),
                odd("discard unknown", with("discard", "\"middle\""), Outcome.FAILED, "\"middle\" is not one of"),
                odd("compression zstd", with("compression", "\"zstd\""), Outcome.FAILED, "\"zstd\" is not one of"),
                odd("a number as a string", with("max_msgs", "\"5\""), Outcome.FAILED, "expected a 64-bit integer"),
                odd("a number as a float", with("max_msgs", "5.0"), Outcome.FAILED, "expected a 64-bit integer"),
                odd("a number in exponent form", with("max_msgs", "1e3"), Outcome.FAILED, "expected a 64-bit integer"),
                odd("a number of 2^64", with("max_msgs", "18446744073709551616"), Outcome.FAILED, "expected a 64-bit integer"),
                odd("Created not a time", with("Created", "\"yesterday\""), Outcome.FAILED, "is not an RFC 3339 time"),
                // Go's decoder reads JSON nested up to 10,000 levels, the outer object counted: 2.10
                // loads such a file, 2.11+ refuse it for its unknown key. Deeper, no server decodes it.
                odd("JSON nested 1,001 deep under an unknown key", with("zzz", deep(1_000)), Outcome.READ_ONLY, notRestored
                        + "json: unknown field \"zzz\""),
                odd("JSON nested 10,000 deep under an unknown key", with("zzz", deep(9_999)), Outcome.READ_ONLY, notRestored
                        + "json: unknown field \"zzz\""),
                // 2.11+ decode the objects inside strictly too (OddStreamConfigIT).
                odd("an unknown key in consumer_limits", with("consumer_limits", "{\"zzz\":1}"), Outcome.READ_ONLY, notRestored
                        + "json: unknown field \"zzz\" in \"consumer_limits\""),
                odd("an unknown key in placement", with("placement", "{\"cluster\":\"\",\"zzz\":1}"), Outcome.READ_ONLY,
                        notRestored + "json: unknown field \"zzz\" in \"placement\""),
                odd("a key of consumer_limits in capitals", with("consumer_limits", "{\"MAX_ACK_PENDING\":5}"), Outcome.READ_ONLY,
                        notRestored + "key \"consumer_limits.MAX_ACK_PENDING\" is read by nats-server as \"consumer_limits.max_ack_pending\""),
                odd("placement as 2.12+ write it", with("placement", "{\"cluster\":\"c\",\"tags\":[\"t\"],\"preferred\":\"p\"}"),
                        Outcome.READY, ""),
                odd("JSON nested 10,000 deep under consumer_limits' unknown key",
                        with("consumer_limits", "{\"zzz\":" + deep(9_998) + "}"), Outcome.READ_ONLY, notRestored
                        + "json: unknown field \"zzz\" in \"consumer_limits\""),
                odd("JSON nested 10,001 deep", with("zzz", deep(10_000)), Outcome.FAILED, "nested deeper than 10000 levels"),
                odd("JSON nested 100,000 deep", with("zzz", deep(99_999)), Outcome.FAILED, "nested deeper than 10000 levels"));
    }

    /** A JSON value of {@code levels} nested arrays. */
    static String deep(int levels) {
        return "[".repeat(levels) + "]".repeat(levels);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anOddConfigLeavesTheOtherStreamWritableAndItsOwnFilesAsTheyWere(String what, String json, Outcome outcome, String reason)
            throws Exception {
        Path odd = storeWithOdd(json);
        List<String> before = filesOf(odd);

        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream n = store.stream("N").await(Duration.ofSeconds(30));
            assertThat(store.stream("N").state()).isEqualTo(StreamHandle.State.READY);
            assertThat(n.publish("n.2", bytes("2")).seq()).isEqualTo(2);
            switch (outcome) {
                case READY -> {
                    JetStartStream s = store.stream("ODD").await(Duration.ofSeconds(30));
                    assertThat(store.stream("ODD").state()).as(what).isEqualTo(StreamHandle.State.READY);
                    // The sequence nats-server gives the first message (OddStreamConfigIT): first_seq, else 1.
                    assertThat(s.publish("odd.a", bytes("1")).seq()).as(what).isEqualTo(json.contains("\"first_seq\":1000") ? 1000 : 1);
                }
                case READ_ONLY -> {
                    JetStartStream s = store.stream("ODD").await(Duration.ofSeconds(30));
                    assertThat(store.stream("ODD").state()).as(what).isEqualTo(StreamHandle.State.READ_ONLY);
                    assertThat(s.readOnlyReason()).as(what).hasValueSatisfying(r -> assertThat(r).startsWith(reason));
                    assertThatThrownBy(() -> s.publish("odd.a", bytes("1"))).as(what).hasMessageContaining("read-only");
                }
                case FAILED -> {
                    assertThatThrownBy(() -> store.stream("ODD").await(Duration.ofSeconds(30))).as(what)
                            .isInstanceOf(StreamUnavailableException.class)
                            .hasMessageContaining(odd.resolve("meta.inf").toString()).hasMessageContaining(reason);
                    assertThat(store.stream("ODD").state()).isEqualTo(StreamHandle.State.FAILED);
                }
            }
        }
        if (outcome != Outcome.READY) {
            assertThat(filesOf(odd)).as(what + ": no file of the stream changed").containsExactlyElementsOf(before);
        }
        assertThat(odd.resolve("meta.inf")).as(what).exists();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aKeyGivenTwiceCountsAsItsLastValueAsInGo() throws Exception {
        storeWithOdd(with("max_msgs", "-1").replace("\"max_bytes\":-1", "\"max_bytes\":-1,\"max_msgs\":2"));
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("ODD").await(Duration.ofSeconds(30));
            for (int i = 1; i <= 3; i++) {
                s.publish("odd.a", bytes(Integer.toString(i)));
            }
            assertThat(s.info().messages()).isEqualTo(2);
            assertThat(s.info().firstSeq()).isEqualTo(2);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void hugeLimitsAndWindowsSizeNothingAndRemoveNothing() throws Exception {
        storeWithOdd(with("max_msgs_per_subject", "9223372036854775807", "duplicate_window", "9223372036854775807"));
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("ODD").await(Duration.ofSeconds(30));
            Headers id = Headers.of("Nats-Msg-Id", "x");
            assertThat(s.publish("odd.a", id, bytes("1")).seq()).isEqualTo(1);
            assertThat(s.publish("odd.a", id, bytes("1")).duplicate()).isTrue();
            assertThat(s.publish("odd.a", bytes("2")).seq()).isEqualTo(2);
            assertThat(s.info().messages()).isEqualTo(2);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSmallMaxMsgSizeAndOnePerSubjectAreObeyed() throws Exception {
        storeWithOdd(with("max_msg_size", "5", "max_msgs_per_subject", "1"));
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("ODD").await(Duration.ofSeconds(30));
            assertThat(s.publish("odd.a", bytes("hello")).seq()).isEqualTo(1);
            assertThatThrownBy(() -> s.publish("odd.a", bytes("hello!"))).hasMessageContaining("message size exceeds maximum allowed");
            assertThat(s.publish("odd.a", bytes("again")).seq()).isEqualTo(2);
            assertThat(s.info().messages()).isEqualTo(1);
            assertThat(s.info().firstSeq()).isEqualTo(2);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSealedStreamWithDenyDeleteIsServedAndRefusesWrites() throws Exception {
        storeWithOdd(with("sealed", "true", "deny_delete", "true"));
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("ODD").await(Duration.ofSeconds(30));
            assertThat(store.stream("ODD").state()).isEqualTo(StreamHandle.State.READY);
            assertThatThrownBy(() -> s.publish("odd.a", bytes("1"))).hasMessageContaining("sealed");
        }
    }

    @Test
    void createAndUpdateRefuseAConfigNatsServerWouldNotRestoreInItsWords() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            for (String[] c : new String[][] {

                    {"{\"name\":\"R\",\"max_age\":50000000}", "max age needs to be >= 100ms"},
                    {"{\"name\":\"R\",\"subjects\":[\"r.a\",\"r.*\"]}", "subject \"r.a\" overlaps with \"r.*\""},
                    {"{\"name\":\"R\",\"subjects\":[\">\"]}", "capturing all subjects requires no-ack to be true"},
                    {"{\"name\":\"R\",\"metadata\":{\"k\":\"" + "x".repeat(140_000) + "\"}}", "stream metadata exceeds maximum size"},
                    // Deeper than Jackson writes: an UncheckedIOException from its writer before.
                    {"{\"name\":\"R\",\"zzz\":" + deep(1_500) + "}", "nested deeper than the 1000 levels the runtime writes"},
                    {"{\"name\":\"R\",\"consumer_limits\":{\"zzz\":" + deep(1_500) + "}}",
                            "nested deeper than the 1000 levels the runtime writes"}}) {
                assertThatThrownBy(() -> store.createStream("$G", config(c[0]))).as(c[1])
                        .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                            assertThat(e.errCode()).isEqualTo(10052);
                            assertThat(e.description()).contains(c[1]);
                        });
            }
            assertThatThrownBy(() -> store.createStream("$G", config("{\"name\":\"R\",\"num_replicas\":3}")))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                        assertThat(e.errCode()).isEqualTo(10074);
                        assertThat(e.description()).isEqualTo("replicas > 1 not supported in non-clustered mode");
                    });
            assertThat(dir.resolve("jetstream/$G/streams/R")).doesNotExist();
            JetStartStream r = store.createStream("$G", config("{\"name\":\"R\",\"subjects\":[\"r.>\"]}"));
            assertThatThrownBy(() -> store.updateStream("$G", config("{\"name\":\"R\",\"subjects\":[\"r.>\"],\"num_replicas\":2}")))
                    .isInstanceOf(JetStreamApiException.class).hasMessageContaining("replicas > 1 not supported in non-clustered mode");
            assertThat(r.publish("r.1", bytes("1")).seq()).isEqualTo(1);
        }
    }

    /** A store with N (one message on n.1) made by the runtime, and ODD's meta files as given, with an empty msgs/. */
    /**
     * A consumer's meta.inf read as deep as Go reads (10,000 levels under an unknown key) is
     * restored and delivers; one level deeper it is not restored, the reason naming its meta.inf;
     * the stream is served either way and the consumer's files stay as they were.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aConsumerMetaInfAsDeepAsGoReadsIsRestoredAndOneLevelDeeperIsNot() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream n = store.createStream("$G", config("{\"name\":\"N\",\"subjects\":[\"n.>\"]}"));
            n.publish("n.1", bytes("1"));
            n.createConsumer("{\"durable_name\":\"DEEP\",\"ack_policy\":\"explicit\"}");
            n.createConsumer("{\"durable_name\":\"DEEPER\",\"ack_policy\":\"explicit\"}");
        }
        Path obs = dir.resolve("jetstream/$G/streams/N/obs");
        for (String[] c : new String[][] {{"DEEP", deep(9_999)}, {"DEEPER", deep(10_000)}}) {
            String meta = Files.readString(obs.resolve(c[0]).resolve("meta.inf"));
            // The config's keys are the file's own (Go embeds ConsumerConfig in FileConsumerInfo).
            meta = meta.replace("\"durable_name\":", "\"zzz\":" + c[1] + ",\"durable_name\":");
            assertThat(meta).as("the key went into the config object").contains("\"zzz\"");
            MetaFiles.writeConsumer(obs.resolve(c[0]), "N", c[0], bytes(meta));
        }
        List<String> before = filesOf(obs.resolve("DEEPER"));

        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream n = store.stream("N").await(Duration.ofSeconds(30));
            assertThat(n.unrestoredConsumers()).containsOnlyKeys("DEEPER");
            assertThat(n.unrestoredConsumers().get("DEEPER")).contains(obs.resolve("DEEPER/meta.inf").toString())
                    .contains("nested deeper than 10000 levels");
            // Restored, but not delivered: nats-server 2.11+ stop a stream one of whose consumer
            // files has a key they do not know, so the stream is served read-only (OddConsumerConfigIT).
            assertThat(n.consumerNames()).contains("DEEP");
            assertThat(n.consumerInfo("DEEP").numPending()).isEqualTo(1);
            assertThat(n.readOnlyReason()).get().asString().contains("Stopping unsupported stream").contains("consumer 'DEEP'");
        }
        assertThat(filesOf(obs.resolve("DEEPER"))).as("the consumer not restored is left as it was").isEqualTo(before);
    }

    private Path storeWithOdd(String json) throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.createStream("$G", config("{\"name\":\"N\",\"subjects\":[\"n.>\"]}")).publish("n.1", bytes("1"));
        }
        Path odd = dir.resolve("jetstream/$G/streams/ODD");
        MetaFiles.writeStream(odd, "ODD", json.getBytes(StandardCharsets.UTF_8));
        Files.createDirectories(odd.resolve("msgs"));
        return odd;
    }

    private static List<String> filesOf(Path streamDir) throws Exception {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(streamDir)) {
            for (Path p : files.sorted().toList()) {
                out.add(streamDir.relativize(p) + (Files.isRegularFile(p) ? ":" + new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1) : "/"));
            }
        }
        return out;
    }
}
