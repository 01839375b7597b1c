package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jetstart.core.meta.StreamConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link PullConsumer#consume} loop and a close that falls between the loop's making and its
 * registration (the {@code beforeConsumeRegistered} seam holds the caller exactly there; no timing).
 */
class PullConsumerCloseRaceTest {
    @TempDir
    Path dir;

    @Test
    void aConsumeThatACloseOvertakesIsRefusedAndNoHandlerRunsAfterCloseReturned() throws Exception {
        AtomicReference<Thread> loop = new AtomicReference<>();
        AtomicBoolean inside = new AtomicBoolean();
        AtomicBoolean insideWhenCloseReturned = new AtomicBoolean();
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Throwable refused;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", StreamConfig.builder("S").subjects("s.*").build());
            for (int i = 0; i < 3; i++) {
                s.publish("s.x", bytes("m" + i));
            }
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            c.beforeConsumeRegistered(t -> {
                loop.set(t);
                try {
                    if (t.getState() != Thread.State.NEW) {
                        // The loop already runs: let it get into the handler before the close.
                        entered.await();
                    }
                    store.close();
                    insideWhenCloseReturned.set(inside.get());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            try {
                refused = catchThrowable(() -> c.consume(m -> {
                    calls.incrementAndGet();
                    inside.set(true);
                    entered.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        inside.set(false);
                    }
                }));
            } finally {
                release.countDown();
            }
        }
        Thread t = loop.get();
        if (t.getState() != Thread.State.NEW) {
            t.join();
        }

        assertThat(insideWhenCloseReturned).as("a consume handler was still running when close() returned").isFalse();
        assertThat(calls).as("handler calls").hasValue(0);
        assertThat(t.getState()).as("the loop's thread never started").isEqualTo(Thread.State.NEW);
        assertThat(refused).isInstanceOfSatisfying(JetStreamApiException.class,
                e -> assertThat(e.description()).isEqualTo("consumer not found"));
    }

    /**
     * An ack taken just before the close, whose removal the acking thread is handing to the
     * stream's writer as the close runs (the seam parks it at that offer): the close waits for it,
     * so the writer writes the removal before it stops. Until 2026-12-07 the close wrote the ack to
     * o.dat and stopped the writer first; the removal was refused, and an interest stream kept, for
     * good, a message its only consumer had acknowledged (CloseWhileBusyHammerTest).
     */
    @Test
    void anAckWhoseRemovalIsUnderWayWhenTheStoreClosesRemovesItsMessage() throws Exception {
        Thread acking;
        Thread closing;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = interestStream(store);
            PullConsumer c = s.consumer("C");
            java.util.List<ConsumedMessage> got = c.fetch(2, 0, java.time.Duration.ZERO);
            OfferPark removal = OfferPark.firstOf(WriterLoop.Release.class, s.writer());
            // The second only: acknowledged above the ack floor, which no sweep at the next open reaches.
            acking = Thread.ofPlatform().name("acking").start(() -> got.get(1).ack());
            removal.awaitParked();
            closing = Thread.ofPlatform().name("closing").start(() -> {
                try {
                    store.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            while (closing.getState() != Thread.State.WAITING && closing.getState() != Thread.State.TERMINATED) {
                Thread.onSpinWait();
            }
            removal.release();
            acking.join();
            closing.join();
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("I").await(java.time.Duration.ofSeconds(30));
            assertThat(s.get(2)).as("acknowledged by the stream's only consumer before the close").isEmpty();
            assertThat(s.get(1)).isPresent();
            assertThat(s.consumerInfo("C").numAckPending()).isEqualTo(1);
        }
    }

    /**
     * An ack from an interrupted thread: a consume loop's handler acking while the store's close
     * or the consumer's delete closes the loop, which interrupts its thread. The ack returns, so its
     * removal must be made. Until 2026-12-07 the interrupt stopped the hand-over's read of the
     * message and the removal was dropped: an interest stream kept the acknowledged message
     * (CloseWhileBusyHammerTest).
     */
    @Test
    void anAckFromAnInterruptedThreadStillRemovesItsMessage() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = interestStream(store);
            PullConsumer c = s.consumer("C");
            java.util.List<ConsumedMessage> got = c.fetch(2, 0, java.time.Duration.ZERO);
            // The block grows past what the reads cached: the ack's hand-over reads it from the file
            // again, a read the interrupt stops (ClosedByInterruptException).
            s.publish("i.x", bytes("three"));
            AtomicBoolean stillInterrupted = new AtomicBoolean();
            Thread acking = Thread.ofPlatform().name("acking").start(() -> {
                Thread.currentThread().interrupt();
                got.get(1).ack();
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            });
            acking.join();
            // A later ack hands on what the interrupted one could not.
            c.fetch(1, 0, java.time.Duration.ZERO);
            s.flush();
            assertThat(stillInterrupted).as("the interrupt is kept for the acking thread").isTrue();
            assertThat(s.get(2)).as("acknowledged by the stream's only consumer").isEmpty();
            assertThat(s.get(1)).isPresent();
        }
    }

    /** Interest stream I with its only consumer C (explicit acks) and two messages. */
    private static JetStartStream interestStream(JetStartStore store) throws Exception {
        JetStartStream s = store.createStream("$G", StreamConfig.builder("I").subjects("i.*")
                .retention(StreamConfig.Retention.INTEREST).build());
        s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
        s.publish("i.x", bytes("one"));
        s.publish("i.x", bytes("two"));
        return s;
    }
}
