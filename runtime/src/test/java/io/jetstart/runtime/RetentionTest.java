package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static io.jetstart.runtime.RuntimeTestSupport.recovered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.store.StreamState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionTest {
    @TempDir
    Path dir;

    @Test
    void aWorkQueueMessageGoesOnAckWithATombstoneThatARecoveryHonours() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"W\",\"subjects\":[\"w.*\"],\"retention\":\"workqueue\"}"));
            for (int i = 0; i < 3; i++) {
                s.publish("w.a", bytes("job " + i));
            }
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"filter_subject\":\"w.a\"}");
            List<ConsumedMessage> got = c.fetch(2, 0, Duration.ZERO);
            got.get(1).ack();
            got.get(0).term();
            s.flush();
            assertThat(s.info().messages()).isEqualTo(1);
            assertThat(s.info().firstSeq()).isEqualTo(3);
        }
        StreamState st = recovered(dir, "W");
        assertThat(st.messages()).isEqualTo(1);
        assertThat(st.firstSeq()).isEqualTo(3);
    }

    /**
     * nats-server's rule (consumer.go getNextMsg, hasMaxDeliveries, needAck; d1a711a32 "checkRedelivered
     * only removes below stream's first seq"): a message is handed out max_deliver times, the last
     * with that delivery count, and at the next redelivery it leaves pending, but its redelivery
     * count stays, and on an interest stream that count keeps it in the stream until the consumer
     * acknowledges it after all.
     */
    @Test
    void onAnInterestStreamAMessagePastMaxDeliverIsNotRedeliveredButStaysUntilAcked() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"I\",\"subjects\":[\"i.*\"],\"retention\":\"interest\"}"));
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"max_deliver\":3}");
            s.publish("i.a", bytes("one"));
            s.publish("i.a", bytes("two"));
            List<Long> counts = new java.util.ArrayList<>();
            ConsumedMessage last = null;
            for (int i = 0; i < 3; i++) {
                last = c.fetch(1, 0, Duration.ZERO).get(0);
                assertThat(last.streamSeq()).isEqualTo(1);
                counts.add(last.deliveries());
                last.nak();
            }
            assertThat(counts).containsExactly(1L, 2L, 3L);
            List<ConsumedMessage> next = c.fetch(1, 0, Duration.ZERO);
            assertThat(next).extracting(ConsumedMessage::streamSeq).containsExactly(2L);
            assertThat(next.get(0).deliveries()).isEqualTo(1);
            next.get(0).ack();
            ConsumerStatus st = c.status();
            assertThat(st.numAckPending()).isZero();
            assertThat(st.numRedelivered()).isEqualTo(1);
            assertThat(c.fetch(1, 0, Duration.ZERO)).isEmpty();
            s.flush();
            assertThat(s.info().messages()).as("message 1 is kept by its redelivery count").isEqualTo(1);
            assertThat(s.info().firstSeq()).isEqualTo(1);
            last.ack();
            s.flush();
            assertThat(s.info().messages()).isZero();
            assertThat(c.status().numRedelivered()).isZero();
        }
    }

    /**
     * nats-server's consumer.purge: a purge (here one that removes nothing) that finds a consumer
     * with nothing pending resets its redelivery counts and moves its ack floor to delivered, so a
     * message it holds only by its count past max_deliver is held no more, and the other
     * consumer's ack removes it. 2.15.1 resets the counts the same way (MaxDeliverIT).
     */
    @Test
    void aPurgeFindingNothingPendingReleasesAMessagePastMaxDeliverOnAnInterestStream() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"I\",\"subjects\":[\"i.*\"],\"retention\":\"interest\"}"));
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"max_deliver\":2}");
            PullConsumer d = s.createConsumer("{\"durable_name\":\"D\",\"ack_policy\":\"explicit\"}");
            s.publish("i.a", bytes("one"));
            s.publish("i.a", bytes("two"));
            c.fetch(1, 0, Duration.ZERO).get(0).nak();
            c.fetch(1, 0, Duration.ZERO).get(0).nak();
            List<ConsumedMessage> next = c.fetch(1, 0, Duration.ZERO);
            assertThat(next).extracting(ConsumedMessage::streamSeq).as("1 past max_deliver, then 2").containsExactly(2L);
            next.get(0).ack();
            assertThat(c.status().numRedelivered()).isEqualTo(1);
            List<ConsumedMessage> both = d.fetch(2, 0, Duration.ZERO);
            assertThat(s.purge(new PurgeRequest(null, 0, 1))).isZero();
            ConsumerStatus st = c.status();
            assertThat(st.numRedelivered()).isZero();
            assertThat(st.ackFloor()).isEqualTo(st.delivered());
            both.get(0).ack();
            s.flush();
            assertThat(s.get(1)).as("1, acked by D and no longer held by C").isEmpty();
            assertThat(s.info().messages()).isEqualTo(1);
        }
    }

    @Test
    void aWorkQueueRefusesASecondUnfilteredConsumerAndOverlappingFilters() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"W\",\"subjects\":[\"w.>\"],\"retention\":\"workqueue\"}"));
            s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"explicit\",\"filter_subject\":\"w.a.*\"}");
            assertThatThrownBy(() -> s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\"}"))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                        assertThat(e.errCode()).isEqualTo(10099);
                        assertThat(e.description()).isEqualTo("multiple non-filtered consumers not allowed on workqueue stream");
                    });
            assertThatThrownBy(() -> s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\",\"filter_subject\":\"w.*.x\"}"))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                        assertThat(e.errCode()).isEqualTo(10100);
                        assertThat(e.description()).isEqualTo("filtered consumer not unique on workqueue stream");
                    });
            assertThatThrownBy(() -> s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"all\",\"filter_subject\":\"w.b\"}"))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10098));
            assertThat(s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\",\"filter_subject\":\"w.b\"}").name())
                    .isEqualTo("B");
        }
    }

    @Test
    void anInterestMessageStaysUntilEveryInterestedConsumerAckedIt() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"I\",\"subjects\":[\"i.*\"],\"retention\":\"interest\"}"));
            s.publish("i.x", bytes("nobody listens"));
            s.flush();
            assertThat(s.info().messages()).isZero();
            assertThat(s.info().lastSeq()).isEqualTo(1);
            PullConsumer a = s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"explicit\"}");
            PullConsumer b = s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\"}");
            PullConsumer other = s.createConsumer("{\"durable_name\":\"O\",\"ack_policy\":\"explicit\",\"filter_subject\":\"i.other\"}");
            s.publish("i.x", bytes("2"));
            s.publish("i.x", bytes("3"));
            a.fetch(2, 0, Duration.ZERO).forEach(ConsumedMessage::ack);
            s.flush();
            assertThat(s.info().messages()).isEqualTo(2);
            b.fetch(1, 0, Duration.ZERO).get(0).ack();
            s.flush();
            assertThat(s.info().messages()).isEqualTo(1);
            assertThat(s.info().firstSeq()).isEqualTo(3);
            s.deleteConsumer("B");
            s.flush();
            assertThat(s.info().messages()).isZero();
            assertThat(other.status().numPending()).isZero();
        }
        assertThat(recovered(dir, "I").messages()).isZero();
    }

    /**
     * nats-server removes the messages only a deleted consumer still needed before it deletes the
     * consumer's files (consumer.go stopWithFlags: cleanupNoInterestMessages, then store.Delete).
     * The runtime removed the directory first and handed the removals to the writer afterwards, so
     * a kill -9 between the two left messages that no consumer needs and that no server's startup
     * walk removes (InterestCrashIT: 677 messages where nats-server 2.15.1 kept 673, and a consumer
     * created later would have been delivered them).
     */
    @Test
    void anInterestConsumersDeleteHasWrittenTheRemovalsOfWhatOnlyItNeededBeforeItsFilesGo() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"I\",\"subjects\":[\"i.*\"],\"retention\":\"interest\"}"));
            PullConsumer a = s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"explicit\",\"filter_subject\":\"i.a\"}");
            s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\"}");
            s.publish("i.a", bytes("1"));
            s.publish("i.a", bytes("2"));
            s.publish("i.b", bytes("3"));
            a.fetch(2, 0, Duration.ZERO).forEach(ConsumedMessage::ack);
            s.flush();
            assertThat(s.info().messages()).isEqualTo(3);
            java.util.concurrent.atomic.AtomicLong onDisk = new java.util.concurrent.atomic.AtomicLong(-1);
            s.consumers().afterListing(() -> {
                try {
                    onDisk.set(recovered(dir, "I").messages());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            s.deleteConsumer("B");
            assertThat(onDisk.get()).as("messages on disk as B's files were about to go").isZero();
            assertThat(s.info().messages()).isZero();
        }
        assertThat(recovered(dir, "I").messages()).isZero();
    }

    /** The delete's walk reads the stream in batches: every message past the first batch is judged too. */
    @Test
    void anInterestConsumersDeleteRemovesWhatOnlyItNeededAcrossThousandsOfMessages() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(64 * 1024))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"I\",\"subjects\":[\"i.*\"],\"retention\":\"interest\"}"));
            PullConsumer a = s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"explicit\",\"filter_subject\":\"i.a\","
                    + "\"max_ack_pending\":-1}");
            s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\"}");
            for (int i = 1; i <= 3_000; i++) {
                s.publishAsync(i % 2 == 1 ? "i.a" : "i.b", null, bytes("m" + i));
            }
            s.flush();
            List<ConsumedMessage> got = new java.util.ArrayList<>();
            for (List<ConsumedMessage> b = a.fetch(500, 0, Duration.ZERO); !b.isEmpty(); b = a.fetch(500, 0, Duration.ZERO)) {
                got.addAll(b);
            }
            assertThat(got).hasSize(1_500);
            // A leaves its last 10 unacknowledged: those stay, all else was only B's to keep.
            got.subList(0, 1_490).forEach(ConsumedMessage::ack);
            s.flush();
            assertThat(s.info().messages()).isEqualTo(3_000);
            s.deleteConsumer("B");
            assertThat(s.info().messages()).isEqualTo(10);
            assertThat(s.info().firstSeq()).isEqualTo(2_981);
        }
        assertThat(recovered(dir, "I").messages()).isEqualTo(10);
    }

    @Test
    void ackNoneOnAnInterestStreamReleasesOnDelivery() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"I\",\"subjects\":[\"i\"],\"retention\":\"interest\"}"));
            PullConsumer a = s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"none\"}");
            s.publish("i", bytes("1"));
            assertThat(a.fetch(1, 0, Duration.ZERO)).hasSize(1);
            s.flush();
            assertThat(s.info().messages()).isZero();
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(open(store, "I").consumerInfo("A").ackFloor().streamSeq()).isEqualTo(1);
        }
    }
}
