package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.format.GoTime;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.lines.LineChoice;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.lines.ServerLineDetector;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rules that differ by server line, at the store level: every {@code nats-*-lines} store, with
 * and without its index files, opened, loaded and settled as the detected line gives its own
 * server's oracle, and as another line ({@code oracle.as-<line>.json}) gives that server's answer
 * on the same files (docs/compatibility.md, "Rules by server line").
 */
class ServerLineOracleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> oracles() {
        return Fixtures.lineOracles().stream().map(o -> Arguments.of(o.fixture(), o.file()));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("oracles")
    void eachLineSettlesToWhatItsServerReported(String fixture, String oracleFile, @TempDir Path tmp) throws Exception {
        Path store = Fixtures.copyStore(fixture, tmp);
        if (oracleFile.contains(".rebuilt.")) {
            Fixtures.dropIndexes(store);
        }
        List<StreamDir> streams = StoreLayout.discover(store, DiskGate.unbounded()).streams();
        LineChoice detected = ServerLineDetector.detect(streams, DiskGate.unbounded());
        ServerLine line = oracleFile.startsWith("oracle.as-")
                ? ServerLine.parse(oracleFile.substring("oracle.as-".length()).replace(".rebuilt", "").replace(".json", ""))
                : detected.line();
        String own = Files.readString(Fixtures.root().resolve(fixture).resolve("server-version.txt"));
        if (!oracleFile.startsWith("oracle.as-")) {
            assertThat(own).as("the detected line is the writer's").contains("v" + line.label() + ".");
        }
        JsonNode oracle = JSON.readTree(Fixtures.root().resolve(fixture).resolve(oracleFile).toFile());
        assertThat(streams).hasSameSizeAs(oracle.get("streams"));
        for (JsonNode os : oracle.get("streams")) {
            StreamDir sd = streams.stream().filter(d -> d.name().equals(os.get("name").asText())).findFirst().orElseThrow();
            StreamStore s = StreamOpener.open(sd.account(), sd.name(), sd.dir(),
                    MetaFiles.readStream(sd.dir(), DiskGate.unbounded()).config(), StoreContext.singleThreaded(), line);
            List<RestoredConsumer> loaded = new ArrayList<>();
            for (String c : sd.consumers()) {
                loaded.add(ConsumerLoader.load(s, c, line));
            }
            List<ConsumerInfo> infos = ConsumerSettlement.settle(s, loaded, line);
            assertThat(state(s.state().withConsumerCount(infos.size()))).as("%s as %s", sd.name(), line)
                    .isEqualTo(oracleState(os.get("state")));
            for (JsonNode oc : os.get("consumers")) {
                ConsumerInfo c = infos.stream().filter(i -> i.name().equals(oc.get("name").asText())).findFirst().orElseThrow();
                assertThat(consumer(c)).as("%s > %s as %s", sd.name(), c.name(), line).isEqualTo(oracleConsumer(oc));
            }
        }
    }

    private static Map<String, Object> state(StreamState st) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("messages", st.messages());
        m.put("bytes", st.bytes());
        m.put("first_seq", st.firstSeq());
        m.put("first_ts", GoTime.format(st.firstTs()));
        m.put("last_seq", st.lastSeq());
        m.put("last_ts", GoTime.format(st.lastTs()));
        List<Long> deleted = new ArrayList<>();
        for (long seq : st.deleted().toArray()) {
            deleted.add(seq);
        }
        m.put("deleted", deleted);
        m.put("subjects", new TreeMap<>(st.subjects()));
        m.put("consumer_count", (long) st.consumerCount());
        return m;
    }

    private static Map<String, Object> oracleState(JsonNode st) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("messages", st.path("messages").asLong());
        m.put("bytes", st.path("bytes").asLong());
        m.put("first_seq", st.path("first_seq").asLong());
        m.put("first_ts", st.path("first_ts").asText(GoTime.ZERO));
        m.put("last_seq", st.path("last_seq").asLong());
        m.put("last_ts", st.path("last_ts").asText(GoTime.ZERO));
        List<Long> deleted = new ArrayList<>();
        st.path("deleted").forEach(n -> deleted.add(n.asLong()));
        m.put("deleted", deleted);
        TreeMap<String, Long> subjects = new TreeMap<>();
        st.path("subjects").properties().forEach(e -> subjects.put(e.getKey(), e.getValue().asLong()));
        m.put("subjects", subjects);
        m.put("consumer_count", st.path("consumer_count").asLong());
        return m;
    }

    private static List<Long> consumer(ConsumerInfo c) {
        return List.of(c.delivered().consumerSeq(), c.delivered().streamSeq(), c.ackFloor().consumerSeq(),
                c.ackFloor().streamSeq(), (long) c.numAckPending(), (long) c.numRedelivered(), (long) c.numPending());
    }

    private static List<Long> oracleConsumer(JsonNode c) {
        return List.of(c.path("delivered").path("consumer_seq").asLong(), c.path("delivered").path("stream_seq").asLong(),
                c.path("ack_floor").path("consumer_seq").asLong(), c.path("ack_floor").path("stream_seq").asLong(),
                c.path("num_ack_pending").asLong(), c.path("num_redelivered").asLong(), c.path("num_pending").asLong());
    }
}
