package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inspect} and {@code recover} on a stream with a consumer nats-server would not restore (a
 * valid {@code meta.inf} with a matching {@code meta.sum} that {@code checkConsumerCfg} refuses; the
 * runtime's side is OddConsumerConfigTest): the consumer is reported with a warning on its
 * {@code meta.inf} in the server's words, its neighbour without one, and no byte of the store changes.
 */
class OddConsumerConfigCliTest {
    @TempDir
    Path store;

    @Test
    void inspectAndRecoverWarnOnAConsumerTheServerWouldNotRestore() throws Exception {
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = js.createStream("$G", io.jetstart.core.meta.StreamConfig.parse(
                    "{\"name\":\"I\",\"subjects\":[\"i.*\"],\"retention\":\"interest\"}".getBytes(StandardCharsets.UTF_8)));
            s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"explicit\"}");
            s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\"}");
            s.publish("i.x", "1".getBytes(StandardCharsets.UTF_8));
        }
        Path bMeta = store.resolve("jetstream/$G/streams/I/obs/B/meta.inf");
        String odd = "{\"Created\":\"2026-01-01T00:00:00Z\",\"Name\":\"B\",\"durable_name\":\"B\",\"name\":\"B\",\"deliver_policy\":\"all\","
                + "\"ack_policy\":\"explicit\",\"ack_wait\":30000000000,\"max_deliver\":-1,\"filter_subject\":\"i.a\","
                + "\"filter_subjects\":[\"i.b\"],\"replay_policy\":\"instant\",\"max_waiting\":512,\"max_ack_pending\":1000}";
        MetaFiles.writeConsumer(bMeta.getParent(), "I", "B", odd.getBytes(StandardCharsets.UTF_8));
        Map<String, String> before = TestStores.digests(store);

        for (String command : new String[] {"inspect", "recover"}) {
            TestStores.Run run = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> TestStores.cli(command, store.toString(), "--json"));
            Map<String, JsonNode> byName = new LinkedHashMap<>();
            run.json().path("streams").get(0).path("consumers").forEach(c -> byName.put(c.path("name").asText(), c));
            assertThat(byName).as(command + ": " + run.out() + run.err()).containsOnlyKeys("A", "B");
            assertThat(byName.get("A").path("problems").size()).as(command).isZero();
            JsonNode warning = byName.get("B").path("problems").get(0);
            assertThat(warning.path("severity").asText()).as(command).isEqualTo("warning");
            assertThat(warning.path("file").asText()).as(command).isEqualTo(bMeta.toString());
            assertThat(warning.path("message").asText()).as(command).isEqualTo("consumer meta.inf not restored by nats-server: "
                    + "consumer cannot have both FilterSubject and FilterSubjects specified");
            assertThat(run.exit()).as(command + " " + run.err()).isEqualTo(EXPECTED_EXIT);
        }
        assertThat(TestStores.digests(store)).isEqualTo(before);
    }

    /** A warning is not damage. */
    private static final int EXPECTED_EXIT = Main.OK;
}
