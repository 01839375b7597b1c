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
