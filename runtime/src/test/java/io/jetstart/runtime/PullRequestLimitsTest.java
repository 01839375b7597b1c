package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull consumer's request limits and a request's {@code max_bytes}, served as nats-server 2.15.1
 * serves them (the texts and sizes measured by PullLimitsIT): a request over {@code max_batch},
 * {@code max_expires} or {@code max_bytes}, or past {@code max_waiting}, or whose first message is
 * larger than its {@code max_bytes}, is refused with the server's 409 and leaves the consumer as it
 * was; what fits before a message that does not is delivered. Stream {@code L}: five messages on
 * {@code l.a} with 100-byte payloads.
 */
class PullRequestLimitsTest {
    private static final int PAYLOAD = 100;

    @TempDir
    Path dir;

    private JetStartStream streamWithFive(JetStartStore store) throws Exception {
        JetStartStream s = store.createStream("$G", RuntimeTestSupport.config("{\"name\":\"L\",\"subjects\":[\"l.*\"]}"));
        for (int i = 0; i < 5; i++) {
            s.publish("l.a", "x".repeat(PAYLOAD).getBytes(StandardCharsets.UTF_8));
        }
        return s;
    }

    private static PullConsumer consumer(JetStartStream s, String name, String limits) throws Exception {
        return s.createConsumer("{\"durable_name\":\"" + name + "\",\"ack_policy\":\"explicit\"" + (limits.isEmpty() ? "" : "," + limits) + "}");
    }

    /** Refused, and nothing moved: delivered, pending and redelivered as before. */
    private static PullRequestRefusedException refused(PullConsumer c, int batch, long maxBytes, Duration expires) throws Exception {
        ConsumerStatus before = c.status();
        PullRequestRefusedException e = catchThrowableOfType(PullRequestRefusedException.class, () -> c.fetch(batch, maxBytes, expires));
        assertThat(e).as("refused").isNotNull();
        ConsumerStatus after = c.status();
        assertThat(after.delivered()).isEqualTo(before.delivered());
        assertThat(after.numAckPending()).isEqualTo(before.numAckPending());
        assertThat(after.numPending()).isEqualTo(before.numPending());
        assertThat(after.numRedelivered()).isEqualTo(before.numRedelivered());
        assertThat(e.status()).isEqualTo(409);
        return e;
    }

    private static List<Long> seqs(List<ConsumedMessage> got) {
        return got.stream().map(ConsumedMessage::streamSeq).toList();
    }

    /** What nats-server counts for a first delivery by consumer {@code c} of L: subject, v1 ack reply (19-digit time), payload. */
    private static long size(String c, long sseq, long dseq, long pendingAfter) {
        return "l.a".length() + ("$JS.ACK.L." + c + ".1." + sseq + "." + dseq + ".").length() + 19 + 1
                + Long.toString(pendingAfter).length() + PAYLOAD;
    }

    @Test
    void aBatchOverMaxBatchIsRefusedWithTheServersTextAndOneAtItIsServed() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            PullConsumer c = consumer(streamWithFive(store), "B", "\"max_batch\":3");
            assertThat(refused(c, 4, 0, Duration.ZERO).description()).isEqualTo("Exceeded MaxRequestBatch of 3");
            assertThat(seqs(c.fetch(3, 0, Duration.ZERO))).containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void anExpiresOverMaxExpiresIsRefusedInGoDurationTextAndANoWaitRequestIsNot() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            PullConsumer c = consumer(streamWithFive(store), "E", "\"max_expires\":1500000000");
            assertThat(refused(c, 1, 0, Duration.ofSeconds(2)).description()).isEqualTo("Exceeded MaxRequestExpires of 1.5s");
            assertThat(seqs(c.fetch(1, 0, Duration.ofMillis(1500)))).containsExactly(1L);
            assertThat(seqs(c.fetch(1, 0, Duration.ZERO))).containsExactly(2L);
        }
    }

    @Test
    void aMaxBytesOverTheConsumersMaxBytesIsRefusedAndOneAtItIsServed() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            PullConsumer c = consumer(streamWithFive(store), "Y", "\"max_bytes\":1000");
            assertThat(refused(c, 1, 1001, Duration.ZERO).description()).isEqualTo("Exceeded MaxRequestMaxBytes of 1000");
            assertThat(seqs(c.fetch(1, 1000, Duration.ZERO))).containsExactly(1L);
            assertThat(seqs(c.fetch(1, 0, Duration.ZERO))).as("no max_bytes: no limit to exceed").containsExactly(2L);
        }
    }

    @Test
    void aFirstMessageLargerThanTheRequestsMaxBytesRefusesItAndStaysForTheNextRequest() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            PullConsumer c = consumer(streamWithFive(store), "Z", "");
            assertThat(refused(c, 5, 50, Duration.ZERO).description()).isEqualTo("Message Size Exceeds MaxBytes");
            // A request that waits is ended the same way, at once, not at its expiry.
            assertThat(refused(c, 5, 50, Duration.ofMinutes(5)).description()).isEqualTo("Message Size Exceeds MaxBytes");
            List<ConsumedMessage> next = c.fetch(1, 0, Duration.ZERO);
            assertThat(seqs(next)).containsExactly(1L);
            assertThat(next.get(0).consumerSeq()).isEqualTo(1);
        }
    }

    @Test
    void whatFitsBeforeAMessageThatDoesNotIsDeliveredAndTheRestWaits() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            PullConsumer c = consumer(streamWithFive(store), "Z", "");
            assertThat(seqs(c.fetch(5, 2 * size("Z", 1, 1, 4) + PAYLOAD / 2, Duration.ofMinutes(5)))).containsExactly(1L, 2L);
            assertThat(c.status().numPending()).isEqualTo(3);
        }
    }

    @Test
    void maxBytesCountsTheAckReplySubjectAsTheServerDoesToTheByte() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            PullConsumer c = consumer(streamWithFive(store), "Z", "");
            long two = size("Z", 1, 1, 4) + size("Z", 2, 2, 3);
            assertThat(seqs(c.fetch(5, two - 1, Duration.ZERO))).as("a byte short of two").containsExactly(1L);
            // Exactly two (2.15.1: 284 bytes for sequences 4 and 5 of PullLimitsIT's consumer Z).
            assertThat(seqs(c.fetch(5, size("Z", 2, 2, 3) + size("Z", 3, 3, 2), Duration.ofMinutes(5))))
                    .as("the request ends when its bytes are used up, without waiting").containsExactly(2L, 3L);
        }
    }

    @Test
    void aRedeliveryLargerThanMaxBytesIsNotCountedAndComesWithItsCountUnchanged() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            PullConsumer c = consumer(streamWithFive(store), "R", "");
            c.fetch(1, 0, Duration.ZERO).get(0).nak();
            refused(c, 1, 50, Duration.ZERO);
            assertThat(c.status().numRedelivered()).isZero();
            ConsumedMessage again = c.fetch(1, 0, Duration.ZERO).get(0);
            assertThat(again.streamSeq()).isEqualTo(1);
            assertThat(again.deliveries()).isEqualTo(2);
        }
    }

    @Test
    void headersOnlyCountsTheHeadersItSendsAndNotThePayload() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", RuntimeTestSupport.config("{\"name\":\"L\",\"subjects\":[\"l.*\"]}"));
            s.publish("l.a", new byte[5000]);
            PullConsumer h = consumer(s, "H", "\"headers_only\":true");
            PullConsumer f = consumer(s, "F", "");
            assertThat(seqs(h.fetch(1, 200, Duration.ZERO))).containsExactly(1L);
            assertThat(refused(f, 1, 200, Duration.ZERO).description()).isEqualTo("Message Size Exceeds MaxBytes");
        }
    }

    @Test
    void pastMaxWaitingARequestIsRefusedAndANoWaitOneWithNothingIsAnsweredEmpty() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = streamWithFive(store);
            PullConsumer w = consumer(s, "W", "\"max_waiting\":1,\"filter_subject\":\"l.none\"");
            assertThat(w.requestLimits().maxWaiting()).isEqualTo(1);
            CompletableFuture<List<ConsumedMessage>> parked = CompletableFuture.supplyAsync(() -> {
                try {
                    return w.fetch(1, 0, Duration.ofMinutes(5));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            waitForWaiting(w, 1);
            assertThat(refused(w, 1, 0, Duration.ofSeconds(1)).description()).isEqualTo("Exceeded MaxWaiting");
            // The server answers 404 No Messages before it looks at the queue.
            assertThat(w.fetch(1, 0, Duration.ZERO)).isEmpty();
            s.publish("l.none", new byte[1]);
            assertThat(seqs(parked.get(30, TimeUnit.SECONDS))).containsExactly(6L);
            s.publish("l.none", new byte[1]);
            assertThat(seqs(w.fetch(1, 0, Duration.ofSeconds(1)))).as("room again").containsExactly(7L);
        }
    }

    @Test
    void aConsumerWithoutMaxWaitingTakesTheServersDefaultOf512() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            PullConsumer c = consumer(streamWithFive(store), "D", "");
            assertThat(c.requestLimits()).isEqualTo(new PullRequestLimits(0, 0, 0, 512));
            assertThat(c.requestLimits().batchWithin(100)).isEqualTo(100);
            assertThat(c.requestLimits().expiresWithin(Duration.ofSeconds(9))).isEqualTo(Duration.ofSeconds(9));
        }
    }

    @Test
    void consumeAsksWithinMaxBatchAndMaxExpiresAndGetsEveryMessage() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            PullConsumer c = consumer(streamWithFive(store), "C", "\"max_batch\":2,\"max_expires\":10000000");
            assertThat(c.requestLimits().batchWithin(100)).isEqualTo(2);
            assertThat(c.requestLimits().expiresWithin(Duration.ofMillis(200))).isEqualTo(Duration.ofMillis(10));
            CountDownLatch five = new CountDownLatch(5);
            List<Long> got = new CopyOnWriteArrayList<>();
            try (AutoCloseable loop = c.consume(m -> {
                got.add(m.streamSeq());
                m.ack();
                five.countDown();
            })) {
                assertThat(five.await(30, TimeUnit.SECONDS)).as("five delivered, got " + got).isTrue();
            }
            assertThat(got).containsExactly(1L, 2L, 3L, 4L, 5L);
        }
    }

    @Test
    void consumeAsksAgainWhileMaxWaitingRequestsHoldEveryPlace() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = streamWithFive(store);
            PullConsumer w = consumer(s, "W", "\"max_waiting\":1,\"filter_subject\":\"l.w\"");
            CompletableFuture<List<ConsumedMessage>> parked = CompletableFuture.supplyAsync(() -> {
                try {
                    return w.fetch(1, 0, Duration.ofMinutes(5));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            waitForWaiting(w, 1);
            List<Long> got = new CopyOnWriteArrayList<>();
            CountDownLatch one = new CountDownLatch(1);
            try (AutoCloseable loop = w.consume(m -> {
                got.add(m.streamSeq());
                one.countDown();
            })) {
                s.publish("l.w", new byte[1]);
                assertThat(seqs(parked.get(30, TimeUnit.SECONDS))).containsExactly(6L);
                s.publish("l.w", new byte[1]);
                assertThat(one.await(30, TimeUnit.SECONDS)).as("the loop's refused requests were made again").isTrue();
            }
            assertThat(got).containsExactly(7L);
        }
    }

    private static void waitForWaiting(PullConsumer c, long n) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (c.status().numWaiting() < n) {
            assertThat(System.nanoTime()).as("a fetch parked within 30 s").isLessThan(end);
            Thread.sleep(5);
        }
    }
}
