package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.format.SequencePair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer restored from its {@code o.dat} after purges, as nats-server 2.15.1 starts it: the
 * store's own state, then checkPending at once (ConsumerPurgeIT runs the same steps on the server).
 * And the redelivery count of a purged message the redelivery queue passes over.
 */
class RestoredConsumerTest {
    private static final String E = "{\"durable_name\":\"E\",\"ack_policy\":\"explicit\",\"ack_wait\":60000000000}";
    private static final String A = "{\"durable_name\":\"A\",\"ack_policy\":\"all\",\"ack_wait\":60000000000}";

    @TempDir
    Path dir;

    /** m.1 x3, m.2 x3, m.1 x2, m.3 x2: sequences 1-10. */
    private static void publish(JetStartStream s) throws Exception {
        String[] subjects = {"m.1", "m.1", "m.1", "m.2", "m.2", "m.2", "m.1", "m.1", "m.3", "m.3"};
        for (String subject : subjects) {
            s.publish(subject, bytes(subject));
        }
    }

    @Test
    void anAckedEntryBelowTheFirstSequenceRaisesTheRestoredAckFloorAsTheServersStartDoes() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"M\",\"subjects\":[\"m.*\"],\"retention\":\"interest\"}"));
            PullConsumer e = s.createConsumer(E);
            publish(s);
            List<ConsumedMessage> got = e.fetch(10, 0, Duration.ZERO);
            // The purge takes 9 and 10 off the consumer: its ack floor's consumer half becomes 10
            // (their highest delivery), its stream half stays 0, and its store takes that.
            s.purge(new PurgeRequest("m.3", 0, 0));
            // Delivery 1 is below that consumer half: the store keeps it pending; the stream drops it.
            got.get(0).ack();
            assertThat(s.consumerInfo("E").ackFloor()).isEqualTo(new SequencePair(10, 0));
        }
        var file = ConsumerStateCodec.decode(Files.readAllBytes(dir.resolve("jetstream/$G/streams/M/obs/E/o.dat")));
        assertThat(file.ackFloor()).isEqualTo(new SequencePair(10, 0));
        assertThat(file.pending()).extracting(p -> p.streamSeq()).contains(1L);
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = RuntimeTestSupport.open(store, "M");
            assertThat(s.info().firstSeq()).isEqualTo(2);
            ConsumerStatus st = s.consumerInfo("E");
            // checkPending drops entry 1 (below the first sequence): the floor's stream half becomes 1,
            // its consumer half stays 10 (the highest of 10 and entry 1's delivery, 1).
            assertThat(st.ackFloor()).isEqualTo(new SequencePair(10, 1));
            assertThat(st.delivered()).isEqualTo(new SequencePair(10, 10));
            assertThat(st.numAckPending()).isEqualTo(7);
        }
    }

    @Test
    void aPurgedMessageTheRedeliveryQueuePassesOverKeepsNoRedeliveryCount() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"M\",\"subjects\":[\"m.*\"]}"));
            publish(s);
            PullConsumer a = s.createConsumer(A);
            List<ConsumedMessage> got = a.fetch(10, 0, Duration.ZERO);
            got.get(0).ack();
            // 4-6 leave the stream but stay pending (the floor, 1, is not below the first sequence).
            s.purge(new PurgeRequest("m.2", 0, 0));
            for (ConsumedMessage m : got.subList(1, 7)) {
                m.nak();
            }
            List<ConsumedMessage> two = a.fetch(1, 0, Duration.ZERO);
            assertThat(two).extracting(ConsumedMessage::streamSeq).containsExactly(2L);
            // The term of delivery 11 moves the floor past the deliveries of 4-6 (4, 5, 6): their
            // terms on the way of the redelivery queue change nothing and they stay pending.
            two.get(0).term();
            List<ConsumedMessage> next = a.fetch(3, 0, Duration.ZERO);
            assertThat(next).extracting(ConsumedMessage::streamSeq).containsExactly(3L, 7L);
            ConsumerStatus st = a.status();
            assertThat(st.ackFloor()).isEqualTo(new SequencePair(11, 2));
            assertThat(st.numAckPending()).isEqualTo(8);
            assertThat(st.numRedelivered()).as("3 and 7, not the purged 4-6").isEqualTo(2);
        }
    }
}
