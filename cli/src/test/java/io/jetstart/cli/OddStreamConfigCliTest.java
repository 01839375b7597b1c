package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inspect} and {@code recover} on a store whose other streams have odd configs (valid JSON,
 * matching {@code meta.sum}; the runtime's side is OddStreamConfigTest): the normal stream is
 * reported as it is, one whose config the server cannot decode is reported failed naming its
 * {@code meta.inf}, one the server would refuse later is still read, and no byte of the store changes.
 */
class OddStreamConfigCliTest {
    @TempDir
    Path store;

    private static final String BASE = "\"Created\":\"2026-01-01T00:00:00Z\",\"name\":\"@\",\"subjects\":[\"@.>\"],\"retention\":\"limits\","
            + "\"max_consumers\":-1,\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":0,\"max_msgs_per_subject\":-1,\"max_msg_size\":-1,"
            + "\"discard\":\"old\",\"storage\":\"file\",\"num_replicas\":1,\"duplicate_window\":120000000000,\"compression\":\"none\"";

    @Test
    void inspectAndRecoverReportTheOtherStreamsAsTheyAreAndChangeNothing() throws Exception {
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults())) {
            js.createStream("$G", io.jetstart.core.meta.StreamConfig.parse("{\"name\":\"N\",\"subjects\":[\"n.>\"]}"
                    .getBytes(StandardCharsets.UTF_8))).publish("n.1", "1".getBytes(StandardCharsets.UTF_8));
        }
        Map<String, String> odd = new LinkedHashMap<>();
        odd.put("RETENTION", "{" + BASE.replace("\"limits\"", "\"forever\"") + "}");
        odd.put("NESTED", "{" + BASE + ",\"zzz\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}");
        // As deep as Go's decoder reads (10,000 levels, the outer object counted): nats-server 2.10 loads it.
        odd.put("DEEP", "{" + BASE + ",\"zzz\":" + "[".repeat(9_999) + "]".repeat(9_999) + "}");
        odd.put("REPLICAS", "{" + BASE.replace("\"num_replicas\":1", "\"num_replicas\":99") + "}");
        odd.put("HUGE", "{" + BASE.replace("\"max_msgs_per_subject\":-1", "\"max_msgs_per_subject\":9223372036854775807")
                .replace("\"duplicate_window\":120000000000", "\"duplicate_window\":9223372036854775807") + "}");
        odd.put("OTHERNAME", "{" + BASE.replace("\"name\":\"@\"", "\"name\":\"ELSEWHERE\"") + "}");
        for (Map.Entry<String, String> e : odd.entrySet()) {
            Path dir = store.resolve("jetstream/$G/streams/" + e.getKey());
            String json = e.getValue().replace("@.", e.getKey().toLowerCase() + ".").replace("\"@\"", "\"" + e.getKey() + "\"");
            MetaFiles.writeStream(dir, e.getKey(), json.getBytes(StandardCharsets.UTF_8));
            Files.createDirectories(dir.resolve("msgs"));
        }
        Map<String, String> before = TestStores.digests(store);

        for (String command : new String[] {"inspect", "recover"}) {
            TestStores.Run run = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> TestStores.cli(command, store.toString(), "--json"));
            JsonNode streams = run.json().path("streams");
            Map<String, JsonNode> byName = new LinkedHashMap<>();
            streams.forEach(s -> byName.put(s.path("name").asText(), s));
            assertThat(byName).as(command + ": " + run.out() + run.err()).containsOnlyKeys("N", "RETENTION", "NESTED", "DEEP", "REPLICAS", "HUGE",
                    "OTHERNAME");
            assertThat(byName.get("N").path("state").path("messages").asLong()).as(command).isEqualTo(1);
            for (String failed : new String[] {"RETENTION", "NESTED"}) {
                assertThat(byName.get(failed).path("state").isMissingNode()).as(command + " " + failed).isTrue();
                assertThat(byName.get(failed).path("problems").toString()).as(command + " " + failed)
                        .contains(store.resolve("jetstream/$G/streams/" + failed + "/meta.inf").toString());
            }
            for (String read : new String[] {"DEEP", "REPLICAS", "HUGE", "OTHERNAME"}) {
                assertThat(byName.get(read).path("state").path("messages").asLong()).as(command + " " + read + ": " + byName.get(read).path("problems"))
                        .isZero();
            }
            // A stream failed to recover (the two whose config does not decode): the documented 2, not a crash.
            assertThat(run.exit()).as(command + " " + run.err()).isEqualTo(Main.FAILED);
        }
        assertThat(TestStores.digests(store)).isEqualTo(before);
    }
}
