package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.OddConsumerConfigs;
import io.jetstart.core.testing.OddConsumerConfigs.Fate;
import io.jetstart.recovery.ConsumerOutcome;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.StoreRecovery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumer configs that are valid JSON with a matching {@code meta.sum} but odd values
 * ({@link OddConsumerConfigs}), each as consumer B beside a plain consumer A on an interest
 * stream of 20 messages, A's first ten acked. Whatever B's config, A is served and its acks
 * remove what B does not need, the store opens and closes, and B's meta.inf is not rewritten. B
 * itself is delivered with the server's semantics; or, where nats-server would not restore it,
 * reported with the server's reason, not delivered, holding every message it may need, and
 * {@code inspect}/{@code recover} warn on its meta.inf; or, where its meta.inf does not decode,
 * not restored. What the servers do with each is recorded by OddConsumerConfigIT.
 */
class OddConsumerConfigTest {
    @TempDir
    Path dir;

    static Stream<Arguments> catalogue() {
        return OddConsumerConfigs.cases().stream().map(c -> Arguments.of(c.what(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void anOddConsumerIsDeliveredAsTheServerWouldOrNotAtAll(String what, OddConsumerConfigs.Case c) throws Exception {
        DoubtedConsumerInterestTest.fill(dir);
        Path bDir = dir.resolve("jetstream/$G/streams/I/obs/B");
        byte[] odd = c.json("i").getBytes(StandardCharsets.UTF_8);
        MetaFiles.writeConsumer(bDir, "I", "B", odd);

        var report = StoreRecovery.recover(dir, RecoveryOptions.defaults());
        List<ConsumerOutcome> outcomes = report.streams().getFirst().consumers();

        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("I").await(Duration.ofSeconds(30));
            if (c.fate() == Fate.STREAM_READ_ONLY) {
                // nats-server 2.11+ stop the whole stream for such a consumer: no publish, no delivery.
                assertThat(store.stream("I").state()).as(what).isEqualTo(StreamHandle.State.READ_ONLY);
                assertThat(s.readOnlyReason()).as(what).get().asString().contains("Stopping unsupported stream").contains(c.reason());
                assertThat(s.consumerInfo("B").notDelivered()).as(what).get().asString().contains(c.reason());
                assertThat(s.consumerInfo("A").notDelivered()).as(what).get().asString().contains("read-only");
                assertThat(warningsOnB(outcomes, bDir)).as(what + ": inspect/recover warn on B's meta.inf")
                        .anySatisfy(m -> assertThat(m).contains("not restored by nats-server").contains(c.reason()));
                assertThat(s.info().messages()).isEqualTo(20);
            } else {
                servedBeside(s, c, outcomes, bDir);
            }
        }
        assertThat(bDir.resolve("meta.inf")).as("B's meta.inf is left as it is").hasBinaryContent(odd);
        assertThat(Files.list(dir.resolve("jetstream/$G/streams/I/obs")).map(p -> p.getFileName().toString()).sorted().toList())
                .as("no directory made for another name").containsExactly("A", "B");
    }

    /** B's fate in a served stream, beside A, which is delivered and whose acks remove only what B does not hold. */
    private static void servedBeside(JetStartStream s, OddConsumerConfigs.Case c, List<ConsumerOutcome> outcomes, Path bDir) throws Exception {
        String what = c.what();
        assertThat(s.consumerInfo("A").notDelivered()).as("A is served whatever B is").isEmpty();
        switch (c.fate()) {
            case DELIVERED -> {
                assertThat(s.consumerInfo("B").notDelivered()).as(what).isEmpty();
                assertThat(warningsOnB(outcomes, bDir)).as(what + ": no warning on B's meta.inf").isEmpty();
                List<ConsumedMessage> got = s.consumer("B").fetch(5, 0, Duration.ZERO);
                assertThat(got).as(what).isNotEmpty();
                for (ConsumedMessage m : got) {
                    m.ack();
                }
            }
            case NOT_DELIVERED -> {
                assertThat(s.consumerNames()).contains("B");
                assertThat(s.consumerInfo("B").notDelivered()).as(what).get().asString().contains(c.reason());
                if (!c.reason().equals("push consumer")) {
                    assertThat(warningsOnB(outcomes, bDir)).as(what + ": inspect/recover warn on B's meta.inf")
                            .anySatisfy(m -> assertThat(m).contains("not restored by nats-server").contains(c.reason()));
                }
            }
            case NOT_SERVED -> {
                // nats-server restores it with the setting; the runtime would deliver it without.
                assertThat(s.consumerNames()).contains("B");
                assertThat(s.consumerInfo("B").notDelivered()).as(what).get().asString().contains(c.reason())
                        .contains("not served by the embedded runtime");
                assertThat(warningsOnB(outcomes, bDir)).as(what + ": its meta.inf is one the servers restore").isEmpty();
                org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class, () -> s.consumer("B"));
            }
            case UNRESTORED -> {
                assertThat(s.unrestoredConsumers()).as(what).containsKey("B");
                assertThat(s.unrestoredConsumers().get("B")).as(what).contains(c.reason());
            }
            case STREAM_READ_ONLY -> throw new AssertionError("handled above");
        }
        ackAll(s.consumer("A"), 10);
        s.publish("i.x", bytes("m21"));
        if (c.fate() != Fate.DELIVERED) {
            assertThat(s.info().messages()).as(what + ": nothing removed by interest while B is not delivered").isEqualTo(21);
        } else {
            assertThat(s.info().messages()).as(what + ": A's acks and B's remove what neither needs").isLessThan(21);
        }
    }

    /**
     * A work-queue stream whose two consumers both lost their filters (a hand edit): nats-server
     * restores the first by name and refuses the second, "multiple non-filtered consumers not
     * allowed on workqueue stream" (OddConsumerConfigIT); so the runtime delivers A alone.
     */
    @org.junit.jupiter.api.Test
    void ofTwoUnfilteredConsumersOfAWorkQueueOnlyTheFirstByNameIsDelivered() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", RuntimeTestSupport.config(
                    "{\"name\":\"W\",\"subjects\":[\"w.*\"],\"retention\":\"workqueue\"}"));
            s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"explicit\",\"filter_subject\":\"w.a\"}");
            s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\",\"filter_subject\":\"w.b\"}");
            s.publish("w.a", bytes("1"));
            s.publish("w.b", bytes("2"));
        }
        for (String c : new String[] {"A", "B"}) {
            Path cDir = dir.resolve("jetstream/$G/streams/W/obs/" + c);
            String text = Files.readString(cDir.resolve("meta.inf"), StandardCharsets.UTF_8);
            String cut = ",\"filter_subject\":\"w." + c.toLowerCase() + "\"";
            assertThat(text).contains(cut);
            MetaFiles.writeConsumer(cDir, "W", c, text.replace(cut, "").getBytes(StandardCharsets.UTF_8));
        }
        var report = StoreRecovery.recover(dir, RecoveryOptions.defaults());
        Path bDir = dir.resolve("jetstream/$G/streams/W/obs/B");
        assertThat(warningsOnB(report.streams().getFirst().consumers(), bDir))
                .containsExactly("consumer meta.inf not restored by nats-server: multiple non-filtered consumers not allowed on workqueue stream");

        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("W").await(Duration.ofSeconds(30));
            assertThat(s.consumerInfo("B").notDelivered()).get().asString()
                    .contains("nats-server would not restore it: multiple non-filtered consumers not allowed on workqueue stream");
            assertThat(s.consumerInfo("A").notDelivered()).isEmpty();
            ackAll(s.consumer("A"), 2);
            s.flush();
            // The servers do not have B, so A's acks remove both there (2.10.27 and 2.15.1: OddConsumerConfigIT, W2).
            assertThat(s.info().messages()).as("A's acks remove what B, which no server restores, matches too").isZero();
        }
    }

    /**
     * A work-queue consumer the servers skip (ack none, on its own filter) holds nothing against
     * another consumer's ack, and what only its filter matches stays, as nothing acks it: both
     * servers keep that message (OddConsumerConfigIT, W3).
     */
    @org.junit.jupiter.api.Test
    void aSkippedWorkQueueConsumersMessagesStayAsNothingAcksThem() throws Exception {
        Path wDir = workQueueOf(dir, "w.a", "w.b");
        editMeta(wDir.resolve("obs/B"), "\"ack_policy\":\"explicit\"", "\"ack_policy\":\"none\"");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("W").await(Duration.ofSeconds(30));
            assertThat(s.consumerInfo("B").notDelivered()).get().asString()
                    .contains("consumer in pull mode requires explicit ack policy on workqueue stream");
            ackAll(s.consumer("A"), 1);
            s.flush();
            assertThat(s.info().messages()).as("w.a acked by A goes, w.b stays").isEqualTo(1);
            assertThat(s.info().firstSeq()).isEqualTo(2);
            // The server does not have B: a consumer on its filter is created there, and here too.
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"filter_subject\":\"w.b\"}");
            ackAll(c, 1);
            s.flush();
            assertThat(s.info().messages()).as("acked by C").isZero();
        }
    }

    /**
     * Two work-queue consumers whose filters overlap (B's edited from w.b to w.*, or an older
     * server's): both servers restore both with a warning and deliver both, so the runtime does;
     * inspect/recover warn on the later one's meta.inf, naming the other and the subjects. An ack of
     * A leaves the message B matches too, as 2.15.1 does (2.10.27 removes it: OddConsumerConfigIT, W1).
     */
    @org.junit.jupiter.api.Test
    void overlappingWorkQueueFiltersAreWarnedOnNamingBothAndBothAreDelivered() throws Exception {
        Path wDir = workQueueOf(dir, "w.a", "w.b");
        editMeta(wDir.resolve("obs/B"), "\"w.b\"", "\"w.*\"");
        var report = StoreRecovery.recover(dir, RecoveryOptions.defaults());
        assertThat(warningsOnB(report.streams().getFirst().consumers(), wDir.resolve("obs/B"))).containsExactly(
                "consumer meta.inf filter overlaps consumer 'A' on a work-queue stream: 'w.*' with 'w.a'; nats-server restores both "
                        + "with a warning (\"it should be administratively deleted\") and refuses such a create (10100 filtered "
                        + "consumer not unique on workqueue stream)");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("W").await(Duration.ofSeconds(30));
            assertThat(s.consumerInfo("A").notDelivered()).isEmpty();
            assertThat(s.consumerInfo("B").notDelivered()).isEmpty();
            ackAll(s.consumer("A"), 1);
            s.flush();
            assertThat(s.info().messages()).as("B still needs w.a").isEqualTo(2);
        }
    }

    /** A work-queue stream W on w.* with consumers A and B filtered on {@code a} and {@code b}, one message on each. */
    private static Path workQueueOf(Path dir, String a, String b) throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", RuntimeTestSupport.config(
                    "{\"name\":\"W\",\"subjects\":[\"w.*\"],\"retention\":\"workqueue\"}"));
            s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"explicit\",\"filter_subject\":\"" + a + "\"}");
            s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\",\"filter_subject\":\"" + b + "\"}");
            s.publish(a, bytes("1"));
            s.publish(b, bytes("2"));
        }
        return dir.resolve("jetstream/$G/streams/W");
    }

    /** Replaces {@code from} by {@code to} in a consumer's meta.inf, its meta.sum written to match. */
    private static void editMeta(Path cDir, String from, String to) throws Exception {
        String text = Files.readString(cDir.resolve("meta.inf"), StandardCharsets.UTF_8);
        assertThat(text).contains(from);
        MetaFiles.writeConsumer(cDir, "W", cDir.getFileName().toString(), text.replace(from, to).getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> warningsOnB(List<ConsumerOutcome> outcomes, Path bDir) {
        return outcomes.stream()
                .filter(o -> o instanceof ConsumerOutcome.Restored r && r.info().name().equals("B"))
                .flatMap(o -> ((ConsumerOutcome.Restored) o).info().problems().stream())
                .filter(p -> p.file().equals(bDir.resolve("meta.inf")))
                .map(p -> p.message()).toList();
    }

    private static void ackAll(PullConsumer c, int n) throws Exception {
        List<ConsumedMessage> got = c.fetch(n, 0, Duration.ZERO);
        assertThat(got).hasSize(n);
        for (ConsumedMessage m : got) {
            m.ack();
        }
    }
}
