package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.format.SequencePair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a purge of the stream does to its consumers, rule by rule, with the figures nats-server
 * 2.15.1 reported for the same steps (integration-tests' ConsumerPurgeIT runs them on both). The
 * stream holds m.1 x3 (1-3), m.2 x3 (4-6), m.1 x2 (7-8), m.3 x2 (9-10).
 */
class ConsumerPurgeTest {
    private static final String WAIT = ",\"ack_wait\":60000000000";

    @TempDir
    Path dir;

    private static JetStartStream stream(JetStartStore store) throws Exception {
        JetStartStream s = store.createStream("$G", config("{\"name\":\"M\",\"subjects\":[\"m.*\"],\"allow_rollup_hdrs\":true}"));
        for (String subject : List.of("m.1", "m.1", "m.1", "m.2", "m.2", "m.2", "m.1", "m.1", "m.3", "m.3")) {
            s.publish(subject, bytes("x"));
        }
        return s;
    }

    private static PullConsumer consumer(JetStartStream s, String name, String more) throws Exception {
        return s.createConsumer("{\"durable_name\":\"" + name + "\",\"ack_policy\":\"explicit\"" + WAIT + more + "}");
    }

    private static String info(PullConsumer c) throws InterruptedException {
        ConsumerStatus st = c.status();
        return "delivered " + st.delivered().consumerSeq() + "/" + st.delivered().streamSeq()
                + " ack floor " + st.ackFloor().consumerSeq() + "/" + st.ackFloor().streamSeq()
                + " ack pending " + st.numAckPending() + " redelivered " + st.numRedelivered() + " pending " + st.numPending();
    }

    private static List<Long> seqs(List<ConsumedMessage> ms) {
        return ms.stream().map(ConsumedMessage::streamSeq).toList();
    }

    private static ConsumedMessage bySeq(List<ConsumedMessage> ms, long seq) {
        return ms.stream().filter(m -> m.streamSeq() == seq).reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void aPurgeOfEverySubjectMovesEveryConsumerPastTheLastAndDropsWhatWasPending() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = stream(store);
            PullConsumer e = consumer(s, "E", "");
            PullConsumer f1 = consumer(s, "F1", ",\"filter_subject\":\"m.1\"");
            List<ConsumedMessage> got = e.fetch(6, 0, Duration.ZERO);
            bySeq(got, 2).ack();
            bySeq(got, 4).ack();
            f1.fetch(2, 0, Duration.ZERO);

            s.purge(PurgeRequest.all());

            assertThat(info(e)).isEqualTo("delivered 6/10 ack floor 6/10 ack pending 0 redelivered 0 pending 0");
            assertThat(info(f1)).isEqualTo("delivered 2/10 ack floor 2/10 ack pending 0 redelivered 0 pending 0");
            s.publish("m.1", bytes("y"));
            assertThat(e.fetch(5, 0, Duration.ZERO)).extracting(ConsumedMessage::streamSeq, ConsumedMessage::consumerSeq)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(11L, 7L));
        }
    }

    @Test
    void aPurgeUpToASequenceMovesTheAckFloorToItAndKeepsThePendingAboveIt() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = stream(store);
            PullConsumer e = consumer(s, "E", "");
            e.fetch(4, 0, Duration.ZERO);

            s.purge(new PurgeRequest(null, 0, 2));

            assertThat(info(e)).isEqualTo("delivered 4/4 ack floor 1/1 ack pending 3 redelivered 0 pending 6");
        }
    }

    @Test
    void aPurgeBySubjectMovesAConsumerItCoversToTheFirstMessageLeftOnTheSubject() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = stream(store);
            PullConsumer f1 = consumer(s, "F1", ",\"filter_subject\":\"m.1\"");
            f1.fetch(1, 0, Duration.ZERO);

            s.purge(new PurgeRequest("m.1", 1, 0));

            // m.1 keeps its newest, 8: the consumer's next is 8, its floors 7.
            assertThat(info(f1)).isEqualTo("delivered 1/7 ack floor 1/7 ack pending 0 redelivered 0 pending 1");
            assertThat(seqs(f1.fetch(3, 0, Duration.ZERO))).containsExactly(8L);
        }
    }

    @Test
    void aPurgeBySubjectMovesAConsumerItCoversPastTheLastWhenNothingIsLeftOnTheSubject() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = stream(store);
            PullConsumer f1 = consumer(s, "F1", ",\"filter_subject\":\"m.1\"");
            f1.fetch(2, 0, Duration.ZERO);

            s.purge(new PurgeRequest("m.1", 0, 0));

            assertThat(info(f1)).isEqualTo("delivered 2/10 ack floor 2/10 ack pending 0 redelivered 0 pending 0");
        }
    }

    @Test
    void aConsumerWiderThanThePurgedSubjectMovesToTheStreamsFirstAndDropsPendingMessagesThePurgeRemoved() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = stream(store);
            PullConsumer e = consumer(s, "E", "");
            PullConsumer fw = consumer(s, "FW", ",\"filter_subject\":\"m.*\"");
            bySeq(e.fetch(4, 0, Duration.ZERO), 4).ack();
            fw.fetch(5, 0, Duration.ZERO);

            s.purge(new PurgeRequest("m.1", 0, 0));

            // The stream's first is 4: below it pending 1-3 go; 4 and 5 are still there.
            assertThat(info(fw)).isEqualTo("delivered 5/5 ack floor 3/3 ack pending 2 redelivered 0 pending 3");
            assertThat(info(e)).isEqualTo("delivered 4/4 ack floor 4/4 ack pending 0 redelivered 0 pending 4");
        }
    }

    @Test
    void aWiderConsumersPendingMessagesAboveItsFloorThatThePurgeRemovedGoAndTheFloorTakesTheirHighestConsumerSequence()
            throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = stream(store);
            PullConsumer e = consumer(s, "E", "");
            e.fetch(6, 0, Duration.ZERO);

            s.purge(new PurgeRequest("m.2", 0, 0));

            // The server's own figure: pending 4-6 (consumer sequences 4-6) go, the stream floor stays 0.
            assertThat(info(e)).isEqualTo("delivered 6/6 ack floor 6/0 ack pending 3 redelivered 0 pending 4");
        }
    }

    @Test
    void theStoreOfAnAckAllConsumerTakesEachPendingMessageThePurgeDropsAsAnAckAndKeepsItsHigherFloor() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = stream(store);
            PullConsumer a = s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"all\"" + WAIT + "}");
            a.fetch(6, 0, Duration.ZERO);

            s.purge(new PurgeRequest("m.2", 0, 0));

            // The consumer keeps 1-3 pending with its floor 6/0; its store, told of 4-6 as acks, is at
            // 6/6 and refuses the consumer's older state: info reports the store's floor.
            assertThat(info(a)).isEqualTo("delivered 6/6 ack floor 6/6 ack pending 3 redelivered 0 pending 4");
        }
    }

    @Test
    void aConsumerWhoseFilterThePurgedSubjectDoesNotTouchIsNotMoved() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = stream(store);
            PullConsumer f2 = consumer(s, "F2", ",\"filter_subject\":\"m.2\"");
            f2.fetch(1, 0, Duration.ZERO);

            s.purge(new PurgeRequest("m.1", 0, 0));

            assertThat(info(f2)).isEqualTo("delivered 1/4 ack floor 0/0 ack pending 1 redelivered 0 pending 2");
        }
    }

    @Test
    void redeliveryCountsBelowTheNewFirstSequenceGoEvenForMessagesNoLongerPending() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = stream(store);
            PullConsumer r = s.createConsumer("{\"durable_name\":\"R\",\"ack_policy\":\"explicit\"" + WAIT + ",\"max_deliver\":2}");
            List<ConsumedMessage> got = r.fetch(4, 0, Duration.ZERO);
            bySeq(got, 1).nak();
            bySeq(got, 2).nak();
            bySeq(r.fetch(2, 0, Duration.ZERO), 1).nak();
            r.fetch(2, 0, Duration.ZERO); // 1 is past max_deliver: it leaves pending, its count stays
            assertThat(info(r)).isEqualTo("delivered 8/6 ack floor 0/0 ack pending 5 redelivered 2 pending 4");

            s.purge(new PurgeRequest(null, 0, 3));

            assertThat(info(r)).isEqualTo("delivered 8/6 ack floor 2/2 ack pending 4 redelivered 0 pending 4");
        }
    }

    @Test
    void aPurgeBySubjectThatRemovesOneMessageTerminatesItWhereItIsPendingAboveTheAckFloor() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = stream(store);
            PullConsumer e = consumer(s, "E", "");
            PullConsumer a = s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"all\"" + WAIT + "}");
            bySeq(e.fetch(10, 0, Duration.ZERO), 1).ack();
            bySeq(a.fetch(10, 0, Duration.ZERO), 1).ack();

            // m.3 keeps 10: only 9 goes, which the store reports as a single removal.
            s.purge(new PurgeRequest("m.3", 1, 0));

            assertThat(info(e)).isEqualTo("delivered 10/10 ack floor 1/1 ack pending 8 redelivered 0 pending 0");
            // Ack all: the termination acknowledges everything up to it.
            assertThat(info(a)).isEqualTo("delivered 10/10 ack floor 9/9 ack pending 1 redelivered 0 pending 0");
        }
    }

    @Test
    void aRollupMovesTheConsumersOfItsSubjectToItsMessage() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = stream(store);
            PullConsumer e = consumer(s, "E", "");
            PullConsumer f1 = consumer(s, "F1", ",\"filter_subject\":\"m.1\"");
            e.fetch(5, 0, Duration.ZERO);
            f1.fetch(2, 0, Duration.ZERO);

            s.publish("m.1", Headers.of(Headers.ROLLUP, "sub"), bytes("r"));

            assertThat(info(f1)).isEqualTo("delivered 2/10 ack floor 2/10 ack pending 0 redelivered 0 pending 1");
            assertThat(info(e)).isEqualTo("delivered 5/5 ack floor 3/3 ack pending 2 redelivered 0 pending 4");
            assertThat(seqs(f1.fetch(3, 0, Duration.ZERO))).containsExactly(11L);
        }
    }

    @Test
    void aNoWaitFetchThatFindsNothingLeavesTheNextSequenceThatAPurgeThenWritesIntoDelivered() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = stream(store);
            PullConsumer f2 = consumer(s, "F2", ",\"filter_subject\":\"m.2\"");
            assertThat(seqs(f2.fetch(3, 0, Duration.ZERO))).containsExactly(4L, 5L, 6L);
            // The server answers this one 404 without looking (nothing pending): its next sequence stays 7.
            assertThat(f2.fetch(1, 0, Duration.ZERO)).isEmpty();

            s.purge(new PurgeRequest(null, 0, 5));

            assertThat(info(f2)).isEqualTo("delivered 3/6 ack floor 1/4 ack pending 2 redelivered 0 pending 0");
        }
    }

    @Test
    void theMovedFloorsAreWhatOdatHoldsAndWhatAReopenRestores() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = stream(store);
            consumer(s, "E", "").fetch(6, 0, Duration.ZERO);
            s.purge(new PurgeRequest(null, 0, 4));
        }
        ConsumerState odat = ConsumerStateCodec.decode(Files.readAllBytes(dir.resolve("jetstream/$G/streams/M/obs/E/o.dat")));
        assertThat(odat.delivered()).isEqualTo(new SequencePair(6, 6));
        assertThat(odat.ackFloor()).isEqualTo(new SequencePair(3, 3));
        assertThat(odat.pending()).extracting(ConsumerState.Pending::streamSeq).containsExactlyInAnyOrder(4L, 5L, 6L);
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("M").await(Duration.ofSeconds(30));
            assertThat(info(s.consumer("E"))).isEqualTo("delivered 6/6 ack floor 3/3 ack pending 3 redelivered 0 pending 4");
        }
    }
}
