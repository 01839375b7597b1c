package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsumeCommandTest {
    @TempDir
    Path dir;

    private static TestStores.Run run(String... args) {
        return TestStores.cli(args);
    }

    @Test
    void consumeCreatesTheConsumerFetchesInBatchesAndAContinuationStartsWhereItStopped() throws Exception {
        assertThat(run("publish", dir.toString(), "ORDERS", "--create", "orders.*", "--count", "600", "--subjects", "2").exit()).isZero();
        TestStores.Run first = run("consume", dir.toString(), "ORDERS", "C", "--create", "orders.1", "--count", "260", "--ack", "--json");
        assertThat(first.exit()).as(first.err()).isZero();
        JsonNode a = ReportJson.MAPPER.readTree(first.out());
        assertThat(a.path("consumed").asLong()).isEqualTo(260);
        assertThat(a.path("first_stream_seq").asLong()).isEqualTo(1);
        assertThat(a.path("last_stream_seq").asLong()).isEqualTo(519);
        assertThat(a.has("elapsed_ms")).isTrue();

        TestStores.Run rest = run("consume", dir.toString(), "ORDERS", "C", "--ack", "--json");
        JsonNode b = ReportJson.MAPPER.readTree(rest.out());
        assertThat(b.path("consumed").asLong()).isEqualTo(40);
        assertThat(b.path("first_stream_seq").asLong()).isEqualTo(521);
        assertThat(b.path("last_stream_seq").asLong()).isEqualTo(599);
        assertThat(ReportJson.MAPPER.readTree(run("consume", dir.toString(), "ORDERS", "C", "--json").out()).path("consumed").asLong())
                .isZero();
    }

    @Test
    void aRunStoppedByMaxAckPendingSaysSo() {
        assertThat(run("publish", dir.toString(), "S", "--create", "s", "--count", "1500", "--size", "8").exit()).isZero();
        TestStores.Run r = run("consume", dir.toString(), "S", "C", "--create", ">", "--count", "1200", "--json");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"consumed\":1000,");
        assertThat(r.err()).isEqualTo("jetstart: $G > S > C: stopped after 1,000 of 1,200 messages: 1,000 are delivered and not "
                + "acknowledged, the consumer's max_ack_pending (1,000); --ack acknowledges what is fetched, and "
                + "unacknowledged messages come again after their ack wait\n");
        // Within their ack wait nothing more is delivered: said again, not taken for an empty stream.
        TestStores.Run again = run("consume", dir.toString(), "S", "C", "--count", "500", "--ack", "--json");
        assertThat(again.out()).as(again.err()).contains("\"consumed\":0,");
        assertThat(again.err()).startsWith("jetstart: $G > S > C: stopped after 0 of 500 messages: 1,000 are delivered");
        TestStores.Run other = run("consume", dir.toString(), "S", "D", "--create", ">", "--count", "500", "--ack", "--json");
        assertThat(other.out()).as(other.err()).contains("\"consumed\":500,");
        assertThat(other.err()).as("a run that got its count says nothing").isEmpty();
    }

    @Test
    void aPausedConsumerGetsNothingAndTheRunSaysItIsPausedUntilWhen() throws Exception {
        assertThat(run("publish", dir.toString(), "S", "--create", "s", "--count", "3").exit()).isZero();
        try (io.jetstart.runtime.JetStartStore store = io.jetstart.runtime.JetStart.open(dir, io.jetstart.runtime.RuntimeOptions.defaults())) {
            store.stream("S").await(java.time.Duration.ofSeconds(30))
                    .createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"pause_until\":\"2200-01-01T00:00:00Z\"}");
        }
        TestStores.Run r = run("consume", dir.toString(), "S", "C");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Consumed 0 messages");
        assertThat(r.err()).contains("$G > S > C is paused until 2200-01-01T00:00:00Z (pause_until, ").contains("it delivers nothing until then");
        TestStores.Run counted = run("consume", dir.toString(), "S", "C", "--count", "2");
        assertThat(counted.err()).contains("is paused until 2200-01-01T00:00:00Z").doesNotContain("max_ack_pending");
    }

    @Test
    void aConsumerWithAMaxBatchBelowTheCommandsBatchIsAskedWithinIt() throws Exception {
        assertThat(run("publish", dir.toString(), "S", "--create", "s", "--count", "30", "--size", "8").exit()).isZero();
        try (io.jetstart.runtime.JetStartStore store = io.jetstart.runtime.JetStart.open(dir, io.jetstart.runtime.RuntimeOptions.defaults())) {
            store.stream("S").await(java.time.Duration.ofSeconds(30))
                    .createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"max_batch\":10}");
        }
        // A batch of 256 is refused by nats-server (409 Exceeded MaxRequestBatch of 10), and by the runtime.
        TestStores.Run r = run("consume", dir.toString(), "S", "C", "--ack", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(ReportJson.MAPPER.readTree(r.out()).path("consumed").asLong()).isEqualTo(30);
    }

    @Test
    void withoutJsonEveryMessageIsPrintedOnItsOwnLine() {
        assertThat(run("publish", dir.toString(), "S", "--create", "s", "--count", "3", "--size", "20").exit()).isZero();
        TestStores.Run r = run("consume", dir.toString(), "S", "C", "--create", ">");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("["))).hasSize(3);
        assertThat(r.out()).contains("[1] s delivered 1 \"").contains("Consumed 3 messages from $G > S > C (stream seq 1..3)");
    }

    @Test
    void anUnknownConsumerIsTheServersConsumerNotFound() {
        assertThat(run("publish", dir.toString(), "S", "--create", "s", "--count", "1").exit()).isZero();
        TestStores.Run r = run("consume", dir.toString(), "S", "NOPE");
        assertThat(r.exit()).isEqualTo(Main.FAILED);
        assertThat(r.err()).isEqualTo("jetstart: $G > S > NOPE: consumer not found (err_code 10014); $G > S has no consumers; "
                + "--create FILTER creates it\n");
        assertThat(run("consume", dir.toString(), "S", "C1", "--create", "s", "--count", "1").exit()).isZero();
        assertThat(run("consume", dir.toString(), "S", "C2", "--create", "s", "--count", "1").exit()).isZero();
        assertThat(run("consume", dir.toString(), "S", "C3").err())
                .isEqualTo("jetstart: $G > S > C3: consumer not found (err_code 10014); consumers of $G > S: C1, C2; --create FILTER creates it\n");
        TestStores.Run noStream = run("consume", dir.toString(), "T", "C1");
        assertThat(noStream.exit()).isEqualTo(Main.FAILED);
        assertThat(noStream.err()).isEqualTo("jetstart: $G > T > C1: stream not found (err_code 10059); streams in $G: S\n");
        assertThat(run("consume", dir.resolve("missing").toString(), "S", "C").exit()).isEqualTo(Main.NO_INPUT);
    }

    @Test
    void aConsumerWhoseFilesCannotBeRestoredIsNotFoundAndTheErrorSaysWhy() throws Exception {
        assertThat(run("publish", dir.toString(), "S", "--create", "s", "--count", "3").exit()).isZero();
        assertThat(run("consume", dir.toString(), "S", "C", "--create", ">", "--count", "1", "--ack").exit()).isZero();
        Path meta = dir.resolve("jetstream/$G/streams/S/obs/C/meta.inf");
        java.nio.file.Files.writeString(meta, "{\"name\": not json");
        TestStores.Run r = run("consume", dir.toString(), "S", "C");
        assertThat(r.exit()).isEqualTo(Main.FAILED);
        assertThat(r.err()).contains("consumer not found").contains("its files are there but could not be restored: ")
                .contains("meta.inf");
    }

    @Test
    void withTheKeyConsumeServesAConsumerOfAnEncryptedStreamAndAWrongKeyExits66NamingMetaKey() throws Exception {
        Path keyFile = dir.resolve("jetstream.key");
        java.nio.file.Files.writeString(keyFile, "operator key\n");
        Path store = java.nio.file.Files.createDirectories(dir.resolve("store"));
        assertThat(run("publish", store.toString(), "SECRET", "--create", "sec.*", "--count", "30", "--key-file", keyFile.toString())
                .exit()).isZero();

        TestStores.Run first = run("consume", store.toString(), "SECRET", "C", "--create", ">", "--count", "10", "--ack", "--json",
                "--key-file", keyFile.toString());
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(ReportJson.MAPPER.readTree(first.out()).path("last_stream_seq").asLong()).isEqualTo(10);
        Path consumerDir = store.resolve("jetstream/$G/streams/SECRET/obs/C");
        assertThat(consumerDir.resolve("meta.key")).as("the consumer is encrypted as its stream is").exists();
        assertThat(java.nio.file.Files.readString(consumerDir.resolve("meta.inf"), java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain("durable_name");

        TestStores.Run rest = run("consume", store.toString(), "SECRET", "C", "--ack", "--json", "--key", "operator key");
        assertThat(rest.exit()).as(rest.err()).isZero();
        JsonNode b = ReportJson.MAPPER.readTree(rest.out());
        assertThat(b.path("consumed").asLong()).isEqualTo(20);
        assertThat(b.path("first_stream_seq").asLong()).isEqualTo(11);

        TestStores.Run wrong = run("consume", store.toString(), "SECRET", "C", "--key", "another key");
        assertThat(wrong.exit()).isEqualTo(Main.NO_INPUT);
        assertThat(wrong.err()).contains("wrong key?").contains("meta.key");
        TestStores.Run none = run("consume", store.toString(), "SECRET", "C");
        assertThat(none.exit()).isEqualTo(Main.FAILED);
        assertThat(none.err()).contains("meta.key");
        TestStores.Run both = run("consume", store.toString(), "SECRET", "C", "--key", "operator key", "--key-file", keyFile.toString());
        assertThat(both.exit()).isEqualTo(Main.USAGE);
    }
}
