package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ConsumedMessage#pending()}: the consumer's num_pending once the delivery took its share,
 * as nats-server puts it into the ack reply; kept as the stream changes ({@link PendingCount}) and
 * always equal to a recount once nothing else runs. Blocks of 1 KiB, so that removals land in
 * sealed blocks as well as in the tail.
 */
class ConsumedMessagePendingTest {
    @TempDir
    Path dir;

    private JetStartStore store() throws Exception {
        return JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(1024));
    }

    /** 40 messages, s.odd and s.even by turns (odd sequences on s.odd), 40-byte payloads: several blocks. */
    private static JetStartStream stream(JetStartStore store, String extra) throws Exception {
        JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]" + extra + "}"));
        for (int i = 1; i <= 40; i++) {
            s.publish(i % 2 == 1 ? "s.odd" : "s.even", bytes("%040d".formatted(i)));
        }
        return s;
    }

    private static PullConsumer odd(JetStartStream s, String extra) throws Exception {
        return s.createConsumer("{\"durable_name\":\"O\",\"ack_policy\":\"explicit\",\"filter_subject\":\"s.odd\"" + extra + "}");
    }

    private static List<Long> pendings(List<ConsumedMessage> got) {
        return got.stream().map(ConsumedMessage::pending).toList();
    }

    /** The kept count is a recount's, and the last delivery carried what the status counts now. */
    private static void agrees(PullConsumer c, List<ConsumedMessage> got) throws Exception {
        PullConsumer.KeptPending k = c.keptPending();
        assertThat(k.kept()).as("kept against a recount").isEqualTo(k.recounted());
        if (!got.isEmpty()) {
            assertThat(got.getLast().pending()).as("the last delivery's pending").isEqualTo(c.status().numPending());
        }
    }

    @Test
    void eachNewDeliveryOfABatchTakesOneOffTheMatchingMessagesLeft() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, "");
            PullConsumer c = odd(s, "");
            List<ConsumedMessage> got = c.fetch(3, 0, Duration.ZERO);
            assertThat(pendings(got)).containsExactly(19L, 18L, 17L);
            agrees(c, got);
            got = c.fetch(2, 0, Duration.ZERO);
            assertThat(pendings(got)).containsExactly(16L, 15L);
            agrees(c, got);
        }
    }

    @Test
    void aRedeliveryCarriesTheCountWithoutTakingOne() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, "");
            PullConsumer c = odd(s, "");
            List<ConsumedMessage> got = c.fetch(2, 0, Duration.ZERO);
            got.getFirst().nak();
            // The nak'ed message first (redelivered: 18 still), then the next new one (17).
            List<ConsumedMessage> again = c.fetch(2, 0, Duration.ZERO);
            assertThat(again.stream().map(m -> m.streamSeq() + "/" + m.deliveries() + "/" + m.pending()).toList())
                    .containsExactly("1/2/18", "5/1/17");
            agrees(c, again);
        }
    }

    @Test
    void aMatchingPublishPastThePositionAddsOneAndAnotherSubjectNothing() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, "");
            PullConsumer c = odd(s, "");
            c.fetch(19, 0, Duration.ZERO);
            s.publish("s.odd", bytes("a"));
            s.publish("s.even", bytes("b"));
            s.publish("s.odd", bytes("c"));
            List<ConsumedMessage> got = c.fetch(1, 0, Duration.ZERO);
            assertThat(got.getFirst().streamSeq()).isEqualTo(39);
            assertThat(got.getFirst().pending()).isEqualTo(2);
            agrees(c, got);
        }
    }

    @Test
    void aRemovalOfAMatchingMessagePastThePositionTakesOneOffAndOthersNothing() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, "");
            PullConsumer c = odd(s, "");
            c.fetch(2, 0, Duration.ZERO);
            assertThat(s.info().blocks()).as("several blocks").hasSizeGreaterThan(2);
            s.delete(7);   // matching, past the position, in a sealed block
            s.delete(8);   // another subject
            s.delete(1);   // delivered, below the position
            s.delete(39);  // matching, in a later block
            List<ConsumedMessage> got = c.fetch(1, 0, Duration.ZERO);
            assertThat(got.getFirst().streamSeq()).isEqualTo(5);
            assertThat(got.getFirst().pending()).isEqualTo(15);
            agrees(c, got);
        }
    }

    @Test
    void laterRemovalsAndPublishesInABlockThatLostAMessageAreFollowed() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, "");
            long block = s.info().blockFor(36).index();
            assertThat(List.of(s.info().blockFor(35).index(), s.info().blockFor(37).index())).as("one block")
                    .containsOnly(block);
            PullConsumer c = odd(s, "");
            c.fetch(1, 0, Duration.ZERO);
            s.delete(36);  // another subject: its block is read again, its matching sequences kept from now on
            assertThat(c.fetch(1, 0, Duration.ZERO).getFirst().pending()).isEqualTo(18);
            s.delete(37);  // matching, in the same block: its kept sequences answer
            s.publish("s.odd", bytes("a"));
            s.publish("s.even", bytes("b"));
            List<ConsumedMessage> got = c.fetch(1, 0, Duration.ZERO);
            assertThat(got.getFirst().streamSeq()).isEqualTo(5);
            assertThat(got.getFirst().pending()).isEqualTo(17);
            agrees(c, got);
            s.delete(41);  // the one published since
            s.delete(35);
            got = c.fetch(2, 0, Duration.ZERO);
            assertThat(pendings(got)).containsExactly(14L, 13L);
            agrees(c, got);
            got = c.fetch(100, 0, Duration.ZERO);
            assertThat(got.getLast().streamSeq()).isEqualTo(39);
            assertThat(got.getLast().pending()).isZero();
            agrees(c, got);
        }
    }

    @Test
    void aPurgeIsCountedAgain() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, "");
            PullConsumer c = odd(s, "");
            c.fetch(2, 0, Duration.ZERO);
            s.purge(new PurgeRequest(null, 0, 21));
            List<ConsumedMessage> got = c.fetch(1, 0, Duration.ZERO);
            assertThat(got.getFirst().streamSeq()).isEqualTo(21);
            assertThat(got.getFirst().pending()).isEqualTo(9);
            agrees(c, got);
            s.purge(new PurgeRequest("s.odd", 2, 0));
            got = c.fetch(5, 0, Duration.ZERO);
            assertThat(pendings(got)).containsExactly(1L, 0L);
            agrees(c, got);
        }
    }

    @Test
    void aLimitRemovingMessagesPastThePositionIsSeenAtTheNextFetch() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, ",\"max_msgs\":40");
            PullConsumer c = odd(s, "");
            c.fetch(3, 0, Duration.ZERO);
            // Each publish removes the oldest message: 1 to 16 go, 5 of them on s.odd past the position; 16 come, 8 on s.odd.
            for (int i = 0; i < 16; i++) {
                s.publish(i % 2 == 0 ? "s.odd" : "s.even", bytes("%040d".formatted(i)));
            }
            List<ConsumedMessage> got = c.fetch(1, 0, Duration.ZERO);
            assertThat(got.getFirst().streamSeq()).isEqualTo(17);
            assertThat(got.getFirst().pending()).isEqualTo(19);
            agrees(c, got);
        }
    }

    @Test
    void underMaxAckPendingTheCountGrowsWithPublishesUntilAnAckMakesRoom() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, "");
            PullConsumer c = odd(s, ",\"max_ack_pending\":2");
            List<ConsumedMessage> got = c.fetch(5, 0, Duration.ZERO);
            assertThat(pendings(got)).containsExactly(19L, 18L);
            s.publish("s.odd", bytes("x"));
            assertThat(c.fetch(1, 0, Duration.ZERO)).isEmpty();
            got.getFirst().ack();
            List<ConsumedMessage> next = c.fetch(5, 0, Duration.ZERO);
            assertThat(pendings(next)).containsExactly(18L);
            agrees(c, next);
        }
    }

    @Test
    void aFilterChangeIsCountedAgain() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, "");
            PullConsumer c = odd(s, "");
            c.fetch(2, 0, Duration.ZERO);
            s.updateConsumer(io.jetstart.core.meta.ConsumerConfig.parse(
                    "{\"durable_name\":\"O\",\"ack_policy\":\"explicit\",\"filter_subject\":\"s.even\"}".getBytes()));
            List<ConsumedMessage> got = c.fetch(1, 0, Duration.ZERO);
            assertThat(got.getFirst().streamSeq()).isEqualTo(4);
            assertThat(got.getFirst().pending()).isEqualTo(18);
            agrees(c, got);
        }
    }

    @Test
    void aLastPerSubjectConsumerCountsTheSkipListLeftAndWhatCameSince() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, "");
            s.publish("s.third", bytes("t"));
            PullConsumer c = s.createConsumer("{\"durable_name\":\"L\",\"ack_policy\":\"explicit\","
                    + "\"deliver_policy\":\"last_per_subject\",\"filter_subject\":\"s.*\"}");
            s.publish("s.odd", bytes("y"));
            List<ConsumedMessage> got = c.fetch(2, 0, Duration.ZERO);
            // The last of each subject (40, 39, 41 in sequence order) and 42, published since.
            assertThat(got.stream().map(m -> m.streamSeq() + "/" + m.pending()).toList()).containsExactly("39/3", "40/2");
            got = c.fetch(5, 0, Duration.ZERO);
            assertThat(got.stream().map(m -> m.streamSeq() + "/" + m.pending()).toList()).containsExactly("41/1", "42/0");
            agrees(c, got);
        }
    }

    /**
     * nats-server 2.15.1's numbers (ConsumedPendingIT, stream P): its count takes off each matching
     * removal at or past the position, skip-list entry or not, and an entry passed without a
     * delivery takes nothing more off; what a removal between the entries took off stays off after
     * the list, until the position passes the stream's end.
     */
    @Test
    void aLastPerSubjectConsumerCountsRemovalsOfItsSkipListAsTheServerDoes() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.*\"],\"max_msgs_per_subject\":2}"));
            // Last per subject: a 1, b 4, d 5, c 6, e 7; 2 (b) and 3 (c) lie between the entries.
            for (String subject : List.of("p.a", "p.b", "p.c", "p.b", "p.d", "p.c", "p.e")) {
                s.publish(subject, bytes(subject));
            }
            PullConsumer c = s.createConsumer("{\"durable_name\":\"L\",\"ack_policy\":\"explicit\","
                    + "\"deliver_policy\":\"last_per_subject\",\"filter_subject\":\"p.*\"}");
            assertThat(c.status().numPending()).isEqualTo(5);
            assertThat(seqAndPending(c.fetch(1, 0, Duration.ZERO))).containsExactly("1/4");
            s.delete(5);
            assertThat(c.status().numPending()).as("an entry deleted").isEqualTo(3);
            s.publish("p.c", bytes("8"));
            assertThat(c.status().numPending()).as("3 removed by the limit, 8 published").isEqualTo(3);
            s.publish("p.c", bytes("9"));
            assertThat(c.status().numPending()).as("the entry 6 superseded, 9 published").isEqualTo(3);
            assertThat(seqAndPending(c.fetch(10, 0, Duration.ZERO))).as("up to the deleted entry").containsExactly("4/2");
            assertThat(c.status().numPending()).isEqualTo(2);
            assertThat(c.fetch(10, 0, Duration.ZERO)).as("the superseded entry ends the request").isEmpty();
            s.publish("p.f", bytes("10"));
            s.publish("p.g", bytes("11"));
            assertThat(seqAndPending(c.fetch(2, 0, Duration.ZERO))).containsExactly("7/3", "8/2");
            assertThat(c.status().numPending()).as("three left, one taken off").isEqualTo(2);
            assertThat(seqAndPending(c.fetch(10, 0, Duration.ZERO))).containsExactly("9/1", "10/0", "11/0");
            assertThat(c.status().numPending()).isZero();
            s.publish("p.a", bytes("12"));
            assertThat(c.status().numPending()).as("past the end: the count starts again from 0").isEqualTo(1);
            assertThat(seqAndPending(c.fetch(10, 0, Duration.ZERO))).containsExactly("12/0");
        }
    }

    /**
     * nats-server 2.15.1's numbers (ConsumedPendingIT, stream P, after the skip list): a purge of
     * more than one message and a filter change make it count a {@code last_per_subject} consumer
     * afresh by subjects (those with a message at or past the position), and its count goes on from
     * there, one less for each delivery, until its position passes the stream's end.
     */
    @Test
    void aLastPerSubjectConsumerIsCountedAgainBySubjectsAfterAPurgeOrAFilterChange() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = stream(store, "");
            PullConsumer c = s.createConsumer("{\"durable_name\":\"L\",\"ack_policy\":\"explicit\","
                    + "\"deliver_policy\":\"last_per_subject\",\"filter_subject\":\"s.*\"}");
            assertThat(seqAndPending(c.fetch(2, 0, Duration.ZERO))).as("the skip list").containsExactly("39/1", "40/0");
            // 41 to 47: a, b, a, b, c, a, c.
            for (String subject : List.of("s.a", "s.b", "s.a", "s.b", "s.c", "s.a", "s.c")) {
                s.publish(subject, bytes(subject));
            }
            assertThat(seqAndPending(c.fetch(1, 0, Duration.ZERO))).containsExactly("41/6");
            s.purge(new PurgeRequest("s.odd", 0, 0));
            assertThat(c.status().numPending()).as("a purge behind the position: a, b, c past it (6 messages)").isEqualTo(3);
            List<ConsumedMessage> got = c.fetch(1, 0, Duration.ZERO);
            assertThat(seqAndPending(got)).as("one less, though a, b and c are still past it").containsExactly("42/2");
            assertThat(got.getLast().pending()).isEqualTo(c.status().numPending());
            s.updateConsumer(io.jetstart.core.meta.ConsumerConfig.parse(("{\"durable_name\":\"L\",\"ack_policy\":\"explicit\","
                    + "\"deliver_policy\":\"last_per_subject\",\"filter_subject\":\"s.a\"}").getBytes()));
            assertThat(c.status().numPending()).as("a filter change: s.a past the position (43 and 46)").isEqualTo(1);
            assertThat(seqAndPending(c.fetch(5, 0, Duration.ZERO))).containsExactly("43/0", "46/0");
            assertThat(c.status().numPending()).isZero();
            s.publish("s.a", bytes("48"));
            s.publish("s.a", bytes("49"));
            assertThat(c.status().numPending()).as("past the end: counted from 0 again").isEqualTo(2);
        }
    }

    /**
     * nats-server 2.15.1 restarted on a store whose {@code last_per_subject} consumer is past its
     * skip list with two messages of a subject ahead counts it afresh by subjects too (setLeader's
     * {@code streamNumPending}): 3 before the restart, 2 after, then 1, 0, 0 for the deliveries.
     */
    @Test
    void aRestoredLastPerSubjectConsumerIsCountedBySubjects() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"R\",\"subjects\":[\"r.*\"]}"));
            for (String subject : List.of("r.a", "r.b", "r.a", "r.b", "r.c")) {
                s.publish(subject, bytes(subject));
            }
            PullConsumer c = s.createConsumer("{\"durable_name\":\"L\",\"ack_policy\":\"explicit\","
                    + "\"deliver_policy\":\"last_per_subject\",\"filter_subject\":\"r.*\"}");
            assertThat(seqAndPending(c.fetch(3, 0, Duration.ZERO))).as("the skip list").containsExactly("3/2", "4/1", "5/0");
            for (String subject : List.of("r.a", "r.b", "r.a", "r.b")) {
                s.publish(subject, bytes(subject));
            }
            assertThat(seqAndPending(c.fetch(1, 0, Duration.ZERO))).containsExactly("6/3");
            assertThat(c.status().numPending()).isEqualTo(3);
        }
        try (JetStartStore store = store()) {
            JetStartStream s = store.stream("R").await(Duration.ofSeconds(30));
            assertThat(s.consumerInfo("L").numPending()).as("restored: b and a past the position (3 messages)").isEqualTo(2);
            assertThat(seqAndPending(s.consumer("L").fetch(10, 0, Duration.ZERO))).containsExactly("7/1", "8/0", "9/0");
        }
    }

    private static List<String> seqAndPending(List<ConsumedMessage> got) {
        return got.stream().map(m -> m.streamSeq() + "/" + m.pending()).toList();
    }
}
