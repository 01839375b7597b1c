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
        Path bMeta = streamWithAAndB("I", "interest", "", "");
        String odd = "{\"Created\":\"2026-01-01T00:00:00Z\",\"Name\":\"B\",\"durable_name\":\"B\",\"name\":\"B\",\"deliver_policy\":\"all\","
                + "\"ack_policy\":\"explicit\",\"ack_wait\":30000000000,\"max_deliver\":-1,\"filter_subject\":\"i.a\","
                + "\"filter_subjects\":[\"i.b\"],\"replay_policy\":\"instant\",\"max_waiting\":512,\"max_ack_pending\":1000}";
        MetaFiles.writeConsumer(bMeta.getParent(), "I", "B", odd.getBytes(StandardCharsets.UTF_8));
        Map<String, String> before = TestStores.digests(store);

        for (String warning : warningsOnB(bMeta, before)) {
            assertThat(warning).isEqualTo("consumer meta.inf not restored by nats-server: "
                    + "consumer cannot have both FilterSubject and FilterSubjects specified");
        }
    }

    /**
     * Runs {@code inspect} and {@code recover} on the store: A and B are reported, A without a problem
     * and B with one warning on {@code bMeta}, whose message is returned (one a command); no byte of
     * the store changes from {@code before}.
     */
    private java.util.List<String> warningsOnB(Path bMeta, Map<String, String> before) throws Exception {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String command : new String[] {"inspect", "recover"}) {
            TestStores.Run run = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> TestStores.cli(command, store.toString(), "--json"));
            Map<String, JsonNode> byName = new LinkedHashMap<>();
            run.json().path("streams").get(0).path("consumers").forEach(c -> byName.put(c.path("name").asText(), c));
            assertThat(byName).as(command + ": " + run.out() + run.err()).containsOnlyKeys("A", "B");
            assertThat(byName.get("A").path("problems").size()).as(command).isZero();
            assertThat(byName.get("B").path("problems").size()).as(command).isOne();
            JsonNode warning = byName.get("B").path("problems").get(0);
            assertThat(warning.path("severity").asText()).as(command).isEqualTo("warning");
            assertThat(warning.path("file").asText()).as(command).isEqualTo(bMeta.toString());
            assertThat(run.exit()).as(command + " " + run.err()).isEqualTo(EXPECTED_EXIT);
            out.add(warning.path("message").asText());
        }
        assertThat(TestStores.digests(store)).isEqualTo(before);
        return out;
    }

    /**
     * A work-queue stream whose consumer B's filter overlaps A's (a hand edit, or a server before
     * 2.9.7 that missed it): nats-server restores both and warns, so {@code inspect} and
     * {@code recover} warn on B's meta.inf naming A and the subjects, and A has no warning.
     */
    @Test
    void inspectAndRecoverWarnOnOverlappingWorkQueueFiltersNamingBothConsumers() throws Exception {
        Path bMeta = streamWithAAndB("W", "workqueue", ",\"filter_subjects\":[\"w.a\",\"w.c\"]", ",\"filter_subject\":\"w.b\"");
        String text = java.nio.file.Files.readString(bMeta, StandardCharsets.UTF_8);
        MetaFiles.writeConsumer(bMeta.getParent(), "W", "B", text.replace("\"w.b\"", "\"w.*\"").getBytes(StandardCharsets.UTF_8));
        Map<String, String> before = TestStores.digests(store);

        for (String warning : warningsOnB(bMeta, before)) {
            assertThat(warning).isEqualTo("consumer meta.inf filter overlaps consumer 'A' on a work-queue stream: 'w.*' with 'w.a', "
                    + "'w.*' with 'w.c'; nats-server restores both with a warning (\"it should be administratively deleted\") and "
                    + "refuses such a create (10100 filtered consumer not unique on workqueue stream)");
        }
    }

    /**
     * A stream {@code name} on {@code <name in lower case>.*} with {@code retention}, one message, and
     * the explicit-ack consumers A and B with the config members {@code aMore} and {@code bMore}; B's meta.inf.
     */
    private Path streamWithAAndB(String name, String retention, String aMore, String bMore) throws Exception {
        String p = name.toLowerCase();
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = js.createStream("$G", io.jetstart.core.meta.StreamConfig.parse(("{\"name\":\"" + name
                    + "\",\"subjects\":[\"" + p + ".*\"],\"retention\":\"" + retention + "\"}").getBytes(StandardCharsets.UTF_8)));
            s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"explicit\"" + aMore + "}");
            s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\"" + bMore + "}");
            s.publish(p + ".a", "1".getBytes(StandardCharsets.UTF_8));
        }
        return store.resolve("jetstream/$G/streams/" + name + "/obs/B/meta.inf");
    }

    /** A warning is not damage. */
    private static final int EXPECTED_EXIT = Main.OK;
}
