package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.format.GoTime;
import io.jetstart.core.format.SequencePair;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.store.ConsumerInfo;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 3, proof 1, at the library level: every real store, as the server left it and with its
 * indexes dropped, recovers through {@link StoreRecovery} to exactly the state that server reported
 * (oracle.json / oracle.rebuilt.json), in parallel and sequential mode, on the structured path
 * (default execution) and on the fallback (the surefire execution without preview).
 */
@Tag("both-paths")
class FixtureOracleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every fixture; the encrypted ones are opened with their key.txt. */
    static final List<String> FIXTURES = List.of("nats-2.9.10-small", "nats-2.10.27-small", "nats-2.15.1-small",
            "nats-2.10.27-upbench", "nats-2.10.27-chacha", "nats-2.10.27-aes", "nats-2.15.1-chacha", "nats-2.15.1-aes",
            "nats-2.10.27-s2", "nats-2.15.1-s2",
            "nats-2.9.10-lines", "nats-2.10.27-lines", "nats-2.15.1-lines",
            "nats-2.15.1-features");

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String fixture : FIXTURES) {
            for (boolean dropped : new boolean[] {false, true}) {
                for (RecoveryOptions.Mode mode : RecoveryOptions.Mode.values()) {
                    out.add(Arguments.of(fixture, dropped, mode));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} indexes dropped={1} {2}")
    @MethodSource("cases")
    void recoversToTheStateTheServerReported(String fixture, boolean dropped, RecoveryOptions.Mode mode, @TempDir Path tmp)
            throws Exception {
        Path store = TestStores.copyFixtureStore(fixture, tmp);
        if (dropped) {
            TestStores.dropIndexes(store);
        }
        Map<String, String> before = TestStores.digests(store);

        StoreKey key = Fixtures.key(fixture).map(StoreKey::ofText).orElse(null);
        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults().withMode(mode).withKey(key));

        assertThat(report.runner()).as("runner in this JVM").isEqualTo(TestStores.expectedRunner(mode));
        assertThat(report.serverLine().asked()).isFalse();
        // "nats-2.10.27-small": every fixture's writer is a build the lines are modelled on. An
        // encrypted store's index.db is read inside its seal with the key, as a plain one's; without
        // its index.db, its meta.inf is opened with the key and its key set read as a plain one's
        // (ServerLineDetectorTest).
        assertThat(report.serverLine().line().modelledOn()).as("the line detected is the writer's")
                .isEqualTo(fixture.split("-")[1]);
        JsonNode oracle = JSON.readTree(TestStores.fixtures().resolve(fixture)
                .resolve(dropped ? "oracle.rebuilt.json" : "oracle.json").toFile());
        assertMatches(report, oracle, !dropped && !fixture.startsWith("nats-2.9.") ? Outcome.RECOVERED : Outcome.REBUILT);
        assertThat(TestStores.digests(store)).as("no byte of the store changed").isEqualTo(before);
    }

    /** Every oracle.as-<line>[.rebuilt].json of the -lines stores: another server's answer on the same files. */
    static Stream<Arguments> otherLines() {
        return io.jetstart.core.testing.Fixtures.otherLineOracles().stream().map(o -> Arguments.of(o.fixture(), o.file()));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("otherLines")
    void asAnotherLineRecoversToWhatThatServerReportedOnTheSameFiles(String fixture, String oracleFile, @TempDir Path tmp)
            throws Exception {
        Path store = TestStores.copyFixtureStore(fixture, tmp);
        boolean dropped = oracleFile.contains(".rebuilt.");
        if (dropped) {
            TestStores.dropIndexes(store);
        }
        ServerLine line = ServerLine.parse(oracleFile.substring("oracle.as-".length()).replace(".rebuilt", "").replace(".json", ""));

        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults().withServerLine(line));

        assertThat(report.serverLine().line()).isEqualTo(line);
        assertThat(report.serverLine().asked()).isTrue();
        JsonNode oracle = JSON.readTree(TestStores.fixtures().resolve(fixture).resolve(oracleFile).toFile());
        // A line reads only the index.db versions it knows (2.10: v1); 2.15.1 wrote v4.
        boolean fastPath = !dropped && !fixture.startsWith("nats-2.9.")
                && line.maxIndexDbVersion() >= (fixture.startsWith("nats-2.15.") ? 4 : 1);
        assertMatches(report, oracle, fastPath ? Outcome.RECOVERED : Outcome.REBUILT);
    }

    private static void assertMatches(RecoveryReport report, JsonNode oracle, Outcome expectedOutcome) {
        assertThat(report.streams()).extracting(StreamReport::name)
                .containsExactlyInAnyOrderElementsOf(names(oracle.get("streams")));
        for (JsonNode os : oracle.get("streams")) {
            String name = os.get("name").asText();
            StreamReport s = report.streams().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
            assertThat(s.outcome()).as("%s outcome; problems %s", name, s.problems()).isEqualTo(expectedOutcome);
            assertThat(stateFields(s.state())).as("%s state", name).isEqualTo(oracleStateFields(os.get("state")));
            assertThat(s.consumers()).as("%s consumers", name).hasSize(os.get("consumers").size());
            for (JsonNode oc : os.get("consumers")) {
                String cname = oc.get("name").asText();
                ConsumerOutcome c = s.consumers().stream().filter(x -> x.name().equals(cname)).findFirst().orElseThrow();
                assertThat(c).as("%s > %s", name, cname).isInstanceOf(ConsumerOutcome.Restored.class);
                assertThat(consumerFields(((ConsumerOutcome.Restored) c).info()))
                        .as("%s > %s", name, cname).isEqualTo(oracleConsumerFields(oc));
            }
        }
    }

    private static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.get("name").asText()));
        return out;
    }

    /** Our state as the oracle's fields; every field present, zero or empty when there is nothing. */
    static Map<String, Object> stateFields(StreamState st) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("messages", st.messages());
        m.put("bytes", st.bytes());
        m.put("first_seq", st.firstSeq());
        m.put("first_ts", GoTime.format(st.firstTs()));
        m.put("last_seq", st.lastSeq());
        m.put("last_ts", GoTime.format(st.lastTs()));
        m.put("num_deleted", st.numDeleted());
        List<Long> deleted = new ArrayList<>();
        for (long seq : st.deleted().toArray()) {
            deleted.add(seq);
        }
        m.put("deleted", deleted);
        m.put("num_subjects", (long) st.numSubjects());
        m.put("subjects", new TreeMap<>(st.subjects()));
        m.put("consumer_count", (long) st.consumerCount());
        return m;
    }

    /** The oracle's fields; nats-server leaves out num_deleted, deleted and subjects when they are empty. */
    static Map<String, Object> oracleStateFields(JsonNode st) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("messages", st.path("messages").asLong());
        m.put("bytes", st.path("bytes").asLong());
        m.put("first_seq", st.path("first_seq").asLong());
        m.put("first_ts", st.path("first_ts").asText(GoTime.ZERO));
        m.put("last_seq", st.path("last_seq").asLong());
        m.put("last_ts", st.path("last_ts").asText(GoTime.ZERO));
        m.put("num_deleted", st.path("num_deleted").asLong());
        List<Long> deleted = new ArrayList<>();
        st.path("deleted").forEach(n -> deleted.add(n.asLong()));
        m.put("deleted", deleted);
        m.put("num_subjects", st.path("num_subjects").asLong());
        TreeMap<String, Long> subjects = new TreeMap<>();
        st.path("subjects").properties().forEach(e -> subjects.put(e.getKey(), e.getValue().asLong()));
        m.put("subjects", subjects);
        m.put("consumer_count", st.path("consumer_count").asLong());
        return m;
    }

    static Map<String, Object> consumerFields(ConsumerInfo c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("delivered", pair(c.delivered()));
        m.put("ack_floor", pair(c.ackFloor()));
        m.put("num_ack_pending", c.numAckPending());
        m.put("num_redelivered", c.numRedelivered());
        m.put("num_pending", c.numPending());
        return m;
    }

    static Map<String, Object> oracleConsumerFields(JsonNode c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("delivered", oraclePair(c.path("delivered")));
        m.put("ack_floor", oraclePair(c.path("ack_floor")));
        m.put("num_ack_pending", c.path("num_ack_pending").asLong());
        m.put("num_redelivered", c.path("num_redelivered").asLong());
        m.put("num_pending", c.path("num_pending").asLong());
        return m;
    }

    private static List<Long> oraclePair(JsonNode p) {
        return List.of(p.path("consumer_seq").asLong(), p.path("stream_seq").asLong());
    }

    private static List<Long> pair(SequencePair p) {
        return List.of(p.consumerSeq(), p.streamSeq());
    }
}
