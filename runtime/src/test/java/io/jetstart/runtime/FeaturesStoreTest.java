package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime on {@code nats-2.15.1-features}, what 2.15.1 wrote with the features it added since
 * 2.11 (testdata/README.md): the streams that use one the runtime does not write open read-only
 * with the reason, every stream serves what 2.15.1 answered when started again on the store (its
 * oracle.json), and the read-only streams' files are left as they were. {@code TTL}
 * ({@code allow_msg_ttl} alone) is written: its {@code thw.db} goes, and a new TTL is counted; so
 * are {@code SDM} and {@code KV_KVT} (subject delete markers: what expired after the stop there
 * was markers already, so the open stores none).
 */
class FeaturesStoreTest {
    /** Each stream the runtime does not write, with the start of its reason. */
    private static final Map<String, String> READ_ONLY = Map.of(
            "CNT", "'allow_msg_counter'", "SCHED", "'allow_msg_schedules'",
            "MIR", "the stream is a mirror", "SRC", "the stream has sources");

    @TempDir
    Path dir;

    @Test
    void featureStreamsOpenReadOnlyWithTheirReasonAndServeWhatTheServerReported() throws Exception {
        Path store = Fixtures.copyStore("nats-2.15.1-features", dir);
        JsonNode oracle = new ObjectMapper().readTree(Fixtures.root().resolve("nats-2.15.1-features/oracle.json").toFile());
        Map<String, String> before = Fixtures.digests(store.resolve("jetstream/$G/streams/CNT"));
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            for (JsonNode os : oracle.get("streams")) {
                String name = os.get("name").asText();
                JetStartStream s = rt.stream(name).await(Duration.ofSeconds(30));
                if (READ_ONLY.containsKey(name)) {
                    assertThat(s.readOnlyReason()).as(name).hasValueSatisfying(r -> assertThat(r).startsWith(READ_ONLY.get(name)));
                } else {
                    assertThat(s.readOnlyReason()).as(name).isEmpty();
                }
                JsonNode st = os.get("state");
                assertThat(s.info().messages()).as(name).isEqualTo(st.get("messages").asLong());
                assertThat(s.info().firstSeq()).as(name).isEqualTo(st.get("first_seq").asLong());
                assertThat(s.info().lastSeq()).as(name).isEqualTo(st.get("last_seq").asLong());
                assertThat(s.info().numDeleted()).as(name).isEqualTo(st.path("num_deleted").asLong());
            }
            JetStartStream ttl = rt.stream("TTL").await(Duration.ofSeconds(30));
            assertThat(new String(ttl.get(17).orElseThrow().payload(), StandardCharsets.UTF_8)).isEqualTo("TTL#17");
            assertThat(ttl.get(18)).as("ttl.late ran out after the stop").isEmpty();
            assertThat(ttl.lastBySubject("ttl.late")).isEmpty();
            assertThat(store.resolve("jetstream/$G/streams/TTL/msgs/thw.db")).as("the server's time wheel, not kept by the runtime").doesNotExist();
            assertThat(ttl.publish("ttl.new", Headers.of(Headers.TTL, "1h"), "n".getBytes(StandardCharsets.UTF_8)).seq()).isEqualTo(21);
            JetStartStream sdm = rt.stream("SDM").await(Duration.ofSeconds(30));
            assertThat(sdm.lastBySubject("sdm.a")).as("its marker aged out").isEmpty();
            assertThat(sdm.get(7).orElseThrow().subject()).isEqualTo("sdm.keep");
            JetStartStream obj = rt.stream("OBJ_OBJ").await(Duration.ofSeconds(30));
            assertThat(obj.nextBatch(1, "$O.OBJ.C.>", 10)).extracting(m -> m.payload().length)
                    .as("the object's two chunks").containsExactly(1_024, 476);
        }
        assertThat(Fixtures.digests(store.resolve("jetstream/$G/streams/CNT"))).as("no byte of a read-only stream changed").isEqualTo(before);
    }
}
