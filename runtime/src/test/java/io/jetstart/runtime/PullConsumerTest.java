package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.format.SequencePair;
import io.jetstart.core.meta.MetaFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PullConsumerTest {
    @TempDir
    Path dir;

    private JetStartStore store() throws Exception {
        return JetStart.open(dir, RuntimeOptions.defaults());
    }

    private static JetStartStream stream(JetStartStore store, int messages) throws Exception {
        JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]}"));
        for (int i = 1; i <= messages; i++) {
            s.publish("s." + (i % 2 == 0 ? "even" : "odd"), bytes("m" + i));
        }
        return s;
    }

    private Path obs(String consumer) {
        return dir.resolve("jetstream/$G/streams/S/obs").resolve(consumer);
    }

    private static List<Long> seqs(List<ConsumedMessage> ms) {
        return ms.stream().map(ConsumedMessage::streamSeq).toList();
    }

    @Test
    void anAnswerAfterTheStoreClosedOrTheConsumerWentIsRefusedNotLost() throws Exception {
        List<ConsumedMessage> got;
        List<ConsumedMessage> other;
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 4);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            PullConsumer d = s.createConsumer("{\"durable_name\":\"D\",\"ack_policy\":\"explicit\"}");
            got = c.fetch(2, 0, Duration.ZERO);
            other = d.fetch(1, 0, Duration.ZERO);
            got.getFirst().ack();
            s.deleteConsumer("D");
            // Until 2026-12-06 taken into the consumer's state (status() said acked) and never written.
            assertThatThrownBy(() -> other.getFirst().ack()).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.errCode()).isEqualTo(10014));
        }
        assertThatThrownBy(() -> got.get(1).ack()).isInstanceOfSatisfying(JetStreamApiException.class,
                e -> assertThat(e.errCode()).isEqualTo(10014));
        assertThatThrownBy(() -> got.get(1).nak()).isInstanceOf(JetStreamApiException.class);
        assertThatThrownBy(() -> got.get(1).inProgress()).isInstanceOf(JetStreamApiException.class);
        // What was acknowledged before the close is what o.dat holds.
        try (JetStartStore store = store()) {
            ConsumerStatus st = store.stream("S").await(Duration.ofSeconds(10)).consumerInfo("C");
            assertThat(st.ackFloor().streamSeq()).isEqualTo(1);
            assertThat(st.numAckPending()).isEqualTo(1);
        }
    }

    @Test
    void fetchDeliversInOrderAndInfoCountsAsTheServer() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 5);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            List<ConsumedMessage> got = c.fetch(3, 0, Duration.ZERO);
            assertThat(seqs(got)).containsExactly(1L, 2L, 3L);
            assertThat(got).extracting(ConsumedMessage::consumerSeq).containsExactly(1L, 2L, 3L);
            assertThat(got).allMatch(m -> m.deliveries() == 1);
            assertThat(new String(got.get(1).payload())).isEqualTo("m2");
            ConsumerStatus st = c.status();
            assertThat(st.delivered()).isEqualTo(new SequencePair(3, 3));
            assertThat(st.ackFloor()).isEqualTo(new SequencePair(0, 0));
            assertThat(st.numAckPending()).isEqualTo(3);
            assertThat(st.numPending()).isEqualTo(2);
            got.get(0).ack();
            got.get(2).ack();
            st = c.status();
            assertThat(st.ackFloor()).isEqualTo(new SequencePair(1, 1));
            assertThat(st.numAckPending()).isEqualTo(1);
            got.get(1).ack();
            assertThat(c.status().ackFloor()).isEqualTo(new SequencePair(3, 3));
        }
    }

    @Test
    void aNakedMessageComesBackFirstWithItsDeliveryCountAndANewConsumerSequence() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 3);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            List<ConsumedMessage> first = c.fetch(2, 0, Duration.ZERO);
            first.get(0).nak();
            List<ConsumedMessage> again = c.fetch(2, 0, Duration.ZERO);
            assertThat(seqs(again)).containsExactly(1L, 3L);
            assertThat(again.get(0).deliveries()).isEqualTo(2);
            assertThat(again.get(0).consumerSeq()).isEqualTo(3);
            assertThat(c.status().numRedelivered()).isEqualTo(1);
            assertThat(c.status().delivered()).isEqualTo(new SequencePair(4, 3));
        }
    }

    @Test
    void aMessageNotAckedWithinAckWaitIsRedelivered() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 1);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"ack_wait\":50000000}");
            assertThat(c.next(Duration.ZERO)).isPresent();
            ConsumedMessage again = c.next(Duration.ofSeconds(10)).orElseThrow();
            assertThat(again.streamSeq()).isEqualTo(1);
            assertThat(again.deliveries()).isEqualTo(2);
        }
    }

    @Test
    void maxDeliverStopsRedelivery() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 1);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"max_deliver\":2}");
            c.next(Duration.ZERO).orElseThrow().nak();
            c.next(Duration.ZERO).orElseThrow().nak();
            assertThat(c.next(Duration.ZERO)).isEmpty();
            ConsumerStatus st = c.status();
            assertThat(st.numAckPending()).isZero();
            assertThat(st.numRedelivered()).isEqualTo(1);
        }
    }

    /**
     * o.dat stores a redelivery count as its distance from the stored ack floor's stream sequence,
     * and nats-server's decoder drops a distance of 0: the ack of 1 stops the floor on 2 (just
     * below 3, the next pending; 2 left the pending list past max_deliver), so 2's count is not
     * read back. 2.15.1 does the same (MaxDeliverIT).
     */
    @Test
    void aCountPastMaxDeliverAtTheStoredAckFloorIsNotReadBackAfterAReopen() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 3);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"max_deliver\":2}");
            List<ConsumedMessage> got = c.fetch(3, 0, Duration.ZERO);
            got.get(1).nak();
            List<ConsumedMessage> again = c.fetch(3, 0, Duration.ZERO);
            assertThat(again).extracting(m -> m.streamSeq() + "/" + m.deliveries()).containsExactly("2/2");
            again.get(0).nak();
            assertThat(c.fetch(3, 0, Duration.ZERO)).as("2 past max_deliver").isEmpty();
            got.get(0).ack();
            ConsumerStatus st = c.status();
            assertThat(st.ackFloor()).isEqualTo(new SequencePair(2, 2));
            assertThat(st.numAckPending()).isEqualTo(1);
            assertThat(st.numRedelivered()).isEqualTo(1);
        }
        try (JetStartStore store = store()) {
            ConsumerStatus st = store.stream("S").await(Duration.ofSeconds(30)).consumerInfo("C");
            assertThat(st.ackFloor()).isEqualTo(new SequencePair(2, 2));
            assertThat(st.numAckPending()).isEqualTo(1);
            assertThat(st.numRedelivered()).as("2's count, at the floor, not read back").isZero();
        }
    }

    @Test
    void filtersDeliverOnlyMatchingSubjectsAndCountOnlyThemAsPending() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 6);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"E\",\"ack_policy\":\"explicit\",\"filter_subject\":\"s.even\"}");
            assertThat(c.status().numPending()).isEqualTo(3);
            assertThat(seqs(c.fetch(10, 0, Duration.ZERO))).containsExactly(2L, 4L, 6L);
        }
    }

    @Test
    void ackAllAcknowledgesEverythingDeliveredUpToTheMessage() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 4);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"all\"}");
            List<ConsumedMessage> got = c.fetch(4, 0, Duration.ZERO);
            got.get(2).ack();
            ConsumerStatus st = c.status();
            assertThat(st.ackFloor()).isEqualTo(new SequencePair(3, 3));
            assertThat(st.numAckPending()).isEqualTo(1);
        }
    }

    @Test
    void deliverPoliciesStartWhereTheServerStarts() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 6);
            assertThat(seqs(s.createConsumer("{\"durable_name\":\"L\",\"deliver_policy\":\"last\",\"ack_policy\":\"explicit\"}")
                    .fetch(10, 0, Duration.ZERO))).containsExactly(6L);
            assertThat(s.createConsumer("{\"durable_name\":\"N\",\"deliver_policy\":\"new\",\"ack_policy\":\"explicit\"}")
                    .fetch(10, 0, Duration.ZERO)).isEmpty();
            assertThat(seqs(s.createConsumer("{\"durable_name\":\"Q\",\"deliver_policy\":\"by_start_sequence\",\"opt_start_seq\":4,"
                    + "\"ack_policy\":\"explicit\"}").fetch(10, 0, Duration.ZERO))).containsExactly(4L, 5L, 6L);
            assertThat(seqs(s.createConsumer("{\"durable_name\":\"P\",\"deliver_policy\":\"last_per_subject\","
                    + "\"filter_subject\":\"s.*\",\"ack_policy\":\"explicit\"}").fetch(10, 0, Duration.ZERO))).containsExactly(5L, 6L);
        }
    }

    @Test
    void stateSurvivesAReopenThroughODatAsTheServerWritesIt() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 5);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            List<ConsumedMessage> got = c.fetch(4, 0, Duration.ZERO);
            got.get(0).ack();
            got.get(3).ack();
            got.get(1).nak();
            assertThat(c.fetch(1, 0, Duration.ZERO).get(0).streamSeq()).isEqualTo(2);
        }
        ConsumerState file = ConsumerStateCodec.decode(Files.readAllBytes(obs("C").resolve("o.dat")));
        assertThat(file.delivered()).isEqualTo(new SequencePair(5, 4));
        assertThat(file.ackFloor()).isEqualTo(new SequencePair(1, 1));
        assertThat(file.pending()).extracting(ConsumerState.Pending::streamSeq).containsExactly(2L, 3L);
        assertThat(file.redelivered()).containsExactly(new ConsumerState.Redelivery(2, 1));
        assertThat(MetaFiles.consumerChecksum("S", "C", Files.readAllBytes(obs("C").resolve("meta.inf"))))
                .isEqualTo(Files.readString(obs("C").resolve("meta.sum")));
        try (JetStartStore store = store()) {
            JetStartStream s = open(store, "S");
            ConsumerStatus st = s.consumerInfo("C");
            assertThat(st.delivered()).isEqualTo(new SequencePair(5, 4));
            assertThat(st.ackFloor()).isEqualTo(new SequencePair(1, 1));
            assertThat(st.numAckPending()).isEqualTo(2);
            assertThat(st.numRedelivered()).isEqualTo(1);
            assertThat(st.numPending()).isEqualTo(1);
            assertThat(seqs(s.consumer("C").fetch(5, 0, Duration.ZERO))).containsExactly(5L);
        }
    }

    @Test
    void configsAreRefusedWithTheServersErrors() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 1);
            assertError(s, "{\"durable_name\":\"a.b\"}", 10052, "consumer durable name can not contain '.', '*', '>', '\\', '/'");
            assertError(s, "{\"durable_name\":\"X\",\"filter_subject\":\"s.a\",\"filter_subjects\":[\"s.b\"]}", 10136,
                    "consumer cannot have both FilterSubject and FilterSubjects specified");
            assertError(s, "{\"durable_name\":\"X\",\"filter_subjects\":[\"s.*\",\"s.a\"]}", 10138, "consumer subject filters cannot overlap");
            assertError(s, "{\"durable_name\":\"X\",\"deliver_policy\":\"by_start_sequence\"}", 10094,
                    "consumer delivery policy is deliver by start sequence, but optional start sequence is not set");
            assertError(s, "{\"durable_name\":\"X\",\"ack_policy\":\"explicit\",\"max_deliver\":1,\"backoff\":[1000000000,2000000000]}",
                    10116, "max deliver is required to be > length of backoff values");
            assertError(s, "{\"durable_name\":\"X\",\"idle_heartbeat\":1000000000}", 10088,
                    "consumer idle heartbeat requires a push based consumer");
            s.createConsumer("{\"durable_name\":\"X\",\"ack_policy\":\"explicit\"}");
            assertThat(s.createConsumer("{\"durable_name\":\"X\",\"ack_policy\":\"explicit\"}").name()).isEqualTo("X");
            assertError(s, "{\"durable_name\":\"X\",\"ack_policy\":\"all\"}", 10148, "consumer already exists");
            assertThatThrownBy(() -> s.deleteConsumer("nope")).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.errCode()).isEqualTo(10014));
            assertThatThrownBy(() -> s.createConsumer("{\"durable_name\":\"P\",\"deliver_subject\":\"out\"}"))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("push consumers");
        }
    }

    /**
     * A create refused because the name is taken (10148) leaves the consumer there as it was: its
     * delivered and acked state, its files, and what a reopen restores, as nats-server 2.10.27 and
     * 2.15.1 leave theirs (nats-server's PR #8491 fixed paths of a standalone server where such a
     * rejected create deleted the existing consumer's directory; the plain create does not take them).
     */
    @Test
    void aCreateRefusedBecauseTheNameIsTakenLeavesTheConsumerAndItsFilesAsTheyWere() throws Exception {
        java.util.Map<String, byte[]> files = new java.util.TreeMap<>();
        ConsumerStatus before;
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 6);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"X\",\"ack_policy\":\"explicit\"}");
            List<ConsumedMessage> got = c.fetch(4, 0, Duration.ZERO);
            got.get(0).ack();
            got.get(1).ack();
            before = s.consumerInfo("X");
            // o.dat is written at most every 100 ms while the state changes: wait for the acks to be there.
            awaitOdatWith(before);
            // o.dat goes on changing with the consumer's state; its config files must not.
            for (Path f : List.of(obs("X").resolve("meta.inf"), obs("X").resolve("meta.sum"))) {
                files.put(f.getFileName().toString(), java.nio.file.Files.readAllBytes(f));
            }
            for (String other : List.of("{\"durable_name\":\"X\",\"ack_policy\":\"all\"}",
                    "{\"durable_name\":\"X\",\"ack_policy\":\"explicit\",\"filter_subject\":\"s.odd\"}")) {
                assertError(s, other, 10148, "consumer already exists");
            }
            assertThat(s.consumerInfo("X")).isEqualTo(before);
            assertThat(s.consumerNames()).containsExactly("X");
            assertThat(seqs(c.fetch(2, 0, Duration.ZERO))).as("the consumer goes on where it was").containsExactly(5L, 6L);
            got.get(2).ack();
        }
        try (JetStartStore store = store()) {
            ConsumerStatus after = store.stream("S").await(Duration.ofSeconds(10)).consumerInfo("X");
            assertThat(after.config()).isEqualTo(before.config());
            assertThat(after.delivered().streamSeq()).isEqualTo(6);
            assertThat(after.ackFloor().streamSeq()).isEqualTo(3);
        }
        assertThat(java.nio.file.Files.readAllBytes(obs("X").resolve("meta.inf"))).isEqualTo(files.get("meta.inf"));
        assertThat(java.nio.file.Files.readAllBytes(obs("X").resolve("meta.sum"))).isEqualTo(files.get("meta.sum"));
    }

    private void awaitOdatWith(ConsumerStatus status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Path odat = obs("X").resolve("o.dat");
        while (System.nanoTime() < deadline) {
            if (java.nio.file.Files.exists(odat)) {
                var state = io.jetstart.core.format.ConsumerStateCodec.decode(java.nio.file.Files.readAllBytes(odat));
                if (state.ackFloor().streamSeq() == status.ackFloor().streamSeq()
                        && state.delivered().streamSeq() == status.delivered().streamSeq()) {
                    return;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("o.dat never held " + status);
    }

    @Test
    void theMetaInfHasTheServersDefaults() throws Exception {
        try (JetStartStore store = store()) {
            stream(store, 1).createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
        }
        String meta = Files.readString(obs("C").resolve("meta.inf"));
        assertThat(meta).matches("\\{\"Created\":\"[^\"]+\",\"Name\":\"C\",\"durable_name\":\"C\",\"name\":\"C\","
                + "\"deliver_policy\":\"all\",\"ack_policy\":\"explicit\",\"ack_wait\":30000000000,\"max_deliver\":-1,"
                + "\"replay_policy\":\"instant\",\"max_waiting\":512,\"max_ack_pending\":1000,\"num_replicas\":0}");
    }

    @Test
    void anEphemeralConsumerGoesAfterItsInactiveThreshold() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 1);
            PullConsumer c = s.createConsumer("{\"ack_policy\":\"explicit\",\"inactive_threshold\":50000000}");
            assertThat(s.consumerNames()).containsExactly(c.name());
            for (int i = 0; i < 500 && !s.consumerNames().isEmpty(); i++) {
                Thread.sleep(10);
            }
            assertThat(s.consumerNames()).isEmpty();
            assertThat(obs(c.name())).doesNotExist();
        }
    }

    @Test
    void consumeRunsTheHandlerForEveryMessageIncludingOnesPublishedLater() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 3);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            List<Long> seen = new CopyOnWriteArrayList<>();
            try (AutoCloseable sub = c.consume(m -> {
                seen.add(m.streamSeq());
                m.ack();
            })) {
                s.publish("s.odd", bytes("late"));
                for (int i = 0; i < 1000 && seen.size() < 4; i++) {
                    Thread.sleep(5);
                }
            }
            assertThat(seen).containsExactly(1L, 2L, 3L, 4L);
            assertThat(c.status().ackFloor()).isEqualTo(new SequencePair(4, 4));
        }
    }

    @Test
    void aWaitingFetchReturnsAsSoonAsAPublishFillsIt() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, 0);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"none\"}");
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(50);
                    s.publish("s.odd", bytes("x"));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(seqs(c.fetch(1, 0, Duration.ofSeconds(30)))).containsExactly(1L);
            t.join();
            assertThat(c.status().ackFloor()).isEqualTo(new SequencePair(1, 1));
        }
    }

    @Test
    void aPushConsumerFoundInTheStoreIsReportedButNotDeliveredAndItsFilesStayAsTheyAre() throws Exception {
        try (JetStartStore store = store()) {
            stream(store, 2).createConsumer("{\"durable_name\":\"P\",\"ack_policy\":\"explicit\"}");
        }
        // Without max_waiting, which nats-server refuses on a push consumer (OddConsumerConfigTest).
        String meta = Files.readString(obs("P").resolve("meta.inf")).replace("\"num_replicas\"", "\"deliver_subject\":\"out\",\"num_replicas\"")
                .replace("\"max_waiting\":512,", "");
        assertThat(meta).doesNotContain("max_waiting");
        MetaFiles.writeConsumer(obs("P"), "S", "P", bytes(meta));
        byte[] before = Files.readAllBytes(obs("P").resolve("o.dat"));
        try (JetStartStore store = store()) {
            JetStartStream s = open(store, "S");
            assertThat(s.consumerNames()).containsExactly("P");
            ConsumerStatus st = s.consumerInfo("P");
            assertThat(st.notDelivered()).hasValueSatisfying(w -> assertThat(w).contains("push consumer"));
            assertThat(st.numPending()).isEqualTo(2);
            assertThatThrownBy(() -> s.consumer("P")).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("not delivered by the embedded runtime");
            s.publish("s.odd", bytes("more"));
        }
        assertThat(Files.readAllBytes(obs("P").resolve("o.dat"))).isEqualTo(before);
        assertThat(Files.readString(obs("P").resolve("meta.inf"))).isEqualTo(meta);
    }

    @Test
    void consumersOfAServerStoreAreServedFromWhereTheServerLeftThem() throws Exception {
        Path store = io.jetstart.core.testing.Fixtures.copy("nats-2.15.1-small", dir).resolve("store");
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults())) {
            var rep = js.recovery().join();
            var lim = rep.streams().stream().filter(r -> r.name().equals("LIM1")).findFirst().orElseThrow();
            JetStartStream s = js.stream("LIM1").await(Duration.ofSeconds(30));
            for (var o : lim.consumers()) {
                var info = ((io.jetstart.recovery.ConsumerOutcome.Restored) o).info();
                ConsumerStatus st = s.consumerInfo(info.name());
                assertThat(st.delivered()).as(info.name()).isEqualTo(info.delivered());
                assertThat(st.ackFloor()).as(info.name()).isEqualTo(info.ackFloor());
                assertThat(st.numAckPending()).as(info.name()).isEqualTo(info.numAckPending());
                assertThat(st.numPending()).as(info.name()).isEqualTo(info.numPending());
                List<ConsumedMessage> next = s.consumer(info.name()).fetch(1, 0, Duration.ZERO);
                if (info.numAckPending() > 0) {
                    // Its pending messages' ack wait passed long ago: the server's start (setLeader's
                    // checkPending) queues them at once, and a fetch redelivers them first.
                    assertThat(next.get(0).streamSeq()).as(info.name()).isLessThanOrEqualTo(info.delivered().streamSeq());
                    assertThat(next.get(0).deliveries()).as(info.name()).isGreaterThan(1);
                } else if (info.numPending() > 0) {
                    assertThat(next.get(0).streamSeq()).as(info.name()).isGreaterThan(info.delivered().streamSeq());
                }
            }
            assertThat(lim.consumers()).isNotEmpty();
        }
    }

    private static void assertError(JetStartStream s, String json, int errCode, String text) {
        assertThatThrownBy(() -> s.createConsumer(json)).isInstanceOfSatisfying(JetStreamApiException.class, e -> {
            assertThat(e.errCode()).isEqualTo(errCode);
            assertThat(e.description()).isEqualTo(text);
        });
    }
}
