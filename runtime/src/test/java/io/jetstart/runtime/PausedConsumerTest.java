package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jetstart.core.meta.ConsumerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paused consumers ({@code pause_until}, nats-server 2.11+): nothing delivered before the time,
 * redeliveries included, acks taken, CONSUMER.INFO's {@code paused} and {@code pause_remaining},
 * deliveries from the time on, the pause kept in {@code meta.inf} as the server writes it and
 * across a reopen, and left alone by creates and updates. Times are far in the future or the
 * past, or judged by the consumer's pause clock seam: no test waits for a time to pass. What the
 * servers do is measured by PausedConsumerIT.
 */
class PausedConsumerTest {
    private static final String FAR = "2200-01-01T00:00:00Z";
    private static final Instant FAR_INSTANT = Instant.parse(FAR);

    @TempDir
    Path dir;

    private JetStartStream streamWithThree(JetStartStore store) throws Exception {
        JetStartStream s = store.createStream("$G", RuntimeTestSupport.config("{\"name\":\"P\",\"subjects\":[\"p.*\"]}"));
        for (int i = 1; i <= 3; i++) {
            s.publish("p.x", ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        return s;
    }

    private String metaInf(String consumer) throws Exception {
        return Files.readString(dir.resolve("jetstream/$G/streams/P/obs/" + consumer + "/meta.inf"), StandardCharsets.UTF_8);
    }

    @Test
    void aConsumerCreatedWithAPauseInTheFutureDeliversNothingAndSaysItIsPaused() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = streamWithThree(store);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"pause_until\":\"" + FAR + "\"}");
            assertThat(c.fetch(3, 0, Duration.ZERO)).isEmpty();
            ConsumerStatus st = c.status();
            assertThat(st.paused()).isTrue();
            assertThat(st.pauseRemaining()).isGreaterThan(Duration.ofDays(100 * 365));
            assertThat(st.numPending()).isEqualTo(3);
            assertThat(st.delivered().streamSeq()).isZero();
            // After the config keys, as nats-server's ConsumerConfig struct orders it.
            assertThat(metaInf("C")).endsWith(",\"num_replicas\":0,\"pause_until\":\"" + FAR + "\"}");
        }
    }

    @Test
    void theBuildersPauseUntilPausesAsTheJsonKeyDoes() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = streamWithThree(store);
            PullConsumer c = s.createConsumer(ConsumerConfig.builder().durableName("B").pauseUntil(FAR_INSTANT).build());
            assertThat(c.fetch(3, 0, Duration.ZERO)).isEmpty();
            assertThat(c.status().paused()).isTrue();
            assertThat(metaInf("B")).endsWith(",\"pause_until\":\"" + FAR + "\"}");
        }
    }

    @Test
    void aPauseInThePastIsKeptInTheConfigAndPausesNothing() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = streamWithThree(store);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"pause_until\":\"2001-01-01T00:00:00Z\"}");
            assertThat(c.status().paused()).isFalse();
            assertThat(c.status().pauseRemaining()).isZero();
            assertThat(c.fetch(3, 0, Duration.ZERO)).hasSize(3);
            assertThat(c.config().text("pause_until")).isEqualTo("2001-01-01T00:00:00Z");
        }
    }

    @Test
    void deliveriesStartAtThePauseTimeAndNotANanosecondBefore() throws Exception {
        long until = FAR_INSTANT.getEpochSecond() * 1_000_000_000L;
        long[] clock = {until - 1};
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = streamWithThree(store);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"pause_until\":\"" + FAR + "\"}");
            c.pauseClock(() -> clock[0]);
            assertThat(c.fetch(3, 0, Duration.ZERO)).isEmpty();
            assertThat(c.status().pauseRemaining()).isEqualTo(Duration.ofNanos(1));
            clock[0] = until;
            assertThat(c.status().paused()).isFalse();
            assertThat(c.fetch(3, 0, Duration.ZERO)).extracting(ConsumedMessage::streamSeq).containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void theHousekeeperLooksAtAPausedConsumerAtTheTimeAndNotAfterItEnded() throws Exception {
        long until = FAR_INSTANT.getEpochSecond() * 1_000_000_000L;
        long[] clock = {until - 5};
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = streamWithThree(store);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"pause_until\":\"" + FAR + "\"}");
            c.pauseClock(() -> clock[0]);
            c.tick(WriterLoop.wallNanos());
            assertThat(c.nextDue()).as("due at the pause's end, as the server's unpause timer").isEqualTo(until);
            clock[0] = until;
            c.tick(WriterLoop.wallNanos());
            assertThat(c.nextDue()).as("the pause ended: no more looks for it").isNotEqualTo(until);
        }
    }

    @Test
    void aPauseTakesAcksOfWhatWasDeliveredAndAResumeDeliversAgain() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = streamWithThree(store);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            List<ConsumedMessage> got = c.fetch(2, 0, Duration.ZERO);
            assertThat(got).hasSize(2);

            ConsumerStatus paused = c.pause(FAR_INSTANT);
            assertThat(paused.paused()).isTrue();
            assertThat(metaInf("C")).endsWith(",\"pause_until\":\"" + FAR + "\"}");
            got.get(0).ack();
            assertThat(c.ackPending()).isEqualTo(1);
            assertThat(c.status().ackFloor().streamSeq()).isEqualTo(1);
            assertThat(c.fetch(3, 0, Duration.ZERO)).isEmpty();

            ConsumerStatus resumed = c.resume();
            assertThat(resumed.paused()).isFalse();
            assertThat(metaInf("C")).doesNotContain("pause_until");
            assertThat(c.config().hasValue("pause_until")).isFalse();
            assertThat(c.fetch(3, 0, Duration.ZERO)).extracting(ConsumedMessage::streamSeq).containsExactly(3L);
        }
    }

    @Test
    void anAckWaitThatEndsWhileItIsPausedRedeliversOnlyAfterTheResume() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = streamWithThree(store);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"ack_wait\":1000000000}");
            assertThat(c.fetch(1, 0, Duration.ZERO)).hasSize(1);
            c.pause(FAR_INSTANT);
            // The ack-wait check as its timer fires a minute on: the message is due again, but not delivered.
            c.tick(WriterLoop.wallNanos() + Duration.ofMinutes(1).toNanos());
            assertThat(c.fetch(3, 0, Duration.ZERO)).isEmpty();
            assertThat(c.status().numRedelivered()).isZero();
            c.resume();
            List<ConsumedMessage> again = c.fetch(3, 0, Duration.ZERO);
            assertThat(again).extracting(ConsumedMessage::streamSeq).containsExactly(1L, 2L, 3L);
            assertThat(again.get(0).deliveries()).isEqualTo(2);
        }
    }

    @Test
    void aReopenedStoreKeepsAPauseInTheFutureAndServesOneInThePast() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = streamWithThree(store);
            s.createConsumer("{\"durable_name\":\"F\",\"ack_policy\":\"explicit\"}").pause(FAR_INSTANT);
            s.createConsumer("{\"durable_name\":\"Q\",\"ack_policy\":\"explicit\"}").pause(Instant.parse("2001-01-01T00:00:00Z"));
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = RuntimeTestSupport.open(store, "P");
            assertThat(s.consumerInfo("F").paused()).isTrue();
            assertThat(s.consumer("F").fetch(3, 0, Duration.ZERO)).isEmpty();
            assertThat(s.consumerInfo("Q").paused()).isFalse();
            assertThat(s.consumer("Q").config().text("pause_until")).isEqualTo("2001-01-01T00:00:00Z");
            assertThat(s.consumer("Q").fetch(3, 0, Duration.ZERO)).hasSize(3);
        }
    }

    @Test
    void aCreateOrUpdateOfAnExistingConsumerLeavesItsPauseAsItIs() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = streamWithThree(store);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"pause_until\":\"" + FAR + "\"}");
            // The same config without the pause is the same consumer (the server sets the request's pause to the consumer's).
            assertThat(s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}")).isSameAs(c);
            s.updateConsumer(config("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"ack_wait\":5000000000}"));
            assertThat(c.status().paused()).isTrue();
            assertThat(metaInf("C")).contains("\"ack_wait\":5000000000").endsWith(",\"pause_until\":\"" + FAR + "\"}");
            s.createOrUpdateConsumer(config("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"ack_wait\":6000000000,"
                    + "\"pause_until\":\"2001-01-01T00:00:00Z\"}"));
            assertThat(c.status().paused()).isTrue();
            assertThat(c.config().text("pause_until")).isEqualTo(FAR);
            assertThat(c.fetch(3, 0, Duration.ZERO)).isEmpty();
        }
    }

    @Test
    void aPauseIsWrittenAsGoWritesItTheOffsetOfACreateKeptAndAPauseInUtc() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = streamWithThree(store);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\","
                    + "\"pause_until\":\"2200-01-02T03:04:05.120000000+01:00\"}");
            assertThat(metaInf("C")).endsWith(",\"pause_until\":\"2200-01-02T03:04:05.12+01:00\"}");
            c.pause(Instant.parse("2200-01-02T02:04:05.120Z"));
            assertThat(metaInf("C")).endsWith(",\"pause_until\":\"2200-01-02T02:04:05.12Z\"}");
            s.createConsumer("{\"durable_name\":\"N\",\"ack_policy\":\"explicit\",\"pause_until\":null}");
            assertThat(metaInf("N")).doesNotContain("pause_until");
            PullConsumer y = s.createConsumer("{\"durable_name\":\"Y\",\"ack_policy\":\"explicit\",\"pause_until\":\"9999-01-01T00:00:00Z\"}");
            assertThat(y.status().pauseRemaining()).as("time.Until saturates").isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
            PullConsumer z = s.createConsumer("{\"durable_name\":\"Z\",\"ack_policy\":\"explicit\",\"pause_until\":\"0001-01-01T00:00:00Z\"}");
            assertThat(z.status().paused()).as("Go's zero time is no pause").isFalse();
            assertThat(z.fetch(1, 0, Duration.ZERO)).hasSize(1);
        }
    }

    @Test
    void aDeletedConsumerCannotBePaused() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = streamWithThree(store);
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            s.deleteConsumer("C");
            Throwable thrown = catchThrowable(() -> c.pause(FAR_INSTANT));
            assertThat(thrown).isInstanceOf(JetStreamApiException.class);
            assertThat(((JetStreamApiException) thrown).errCode()).isEqualTo(10014);
        }
    }

    private static ConsumerConfig config(String json) throws Exception {
        return ConsumerConfig.parse(json.getBytes(StandardCharsets.UTF_8));
    }
}
