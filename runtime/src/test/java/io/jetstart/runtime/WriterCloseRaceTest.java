package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A publish that passed the writer's {@code accepting} check just before a close, and offers only
 * after the close has run to its end, must still be answered. The publisher is parked in that
 * window by the writer's {@code beforeOffer} seam, so the test does not depend on timing: the close
 * runs completely while the publisher waits there, then the publisher offers.
 */
class WriterCloseRaceTest {
    @TempDir
    Path dir;

    @Test
    void aPublishThatPassedTheOpenCheckBeforeACloseIsFailedAsClosedOnceItOffers() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        JetStartStream s = store.createStream("$G", config("{\"name\":\"RACE\",\"subjects\":[\"r\"]}"));
        WriterLoop writer = s.writer();
        OfferPark inWindow = OfferPark.firstOf(WriterLoop.Publish.class, writer);
        AtomicReference<CompletableFuture<PublishAck>> ack = new AtomicReference<>();
        Thread publisher = Thread.ofPlatform().name("race-publisher").start(
                () -> ack.set(s.publishAsync("r", Headers.EMPTY, new byte[8])));

        inWindow.awaitParked();
        store.close();
        assertThat(writer.thread().isAlive()).as("the writer ended with the close").isFalse();
        inWindow.release();
        publisher.join();

        // Without the writer's ended flag this future was never completed: the op sat in the queue
        // of a writer that had drained for the last time.
        assertThat(ack.get()).isCompletedExceptionally();
        assertThat(ack.get().exceptionNow()).isInstanceOf(IllegalStateException.class)
                .hasMessage("stream 'RACE' is closed");
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.isAlive() && (t.getName().startsWith("jetstart-writer $G > RACE") || t == publisher));
    }

    /**
     * A writer that has stopped on an I/O error still ends on close: the interrupt makes its next
     * channel write fail (ClosedByInterruptException), as a failing disk would. The timeout only
     * keeps a broken close from hanging the build.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aWriterStoppedByAnIoErrorStillEndsOnClose() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        JetStartStream s = store.createStream("$G", config("{\"name\":\"BROKEN\",\"subjects\":[\"b\"]}"));
        s.publish("b", Headers.EMPTY, new byte[8]);
        WriterLoop writer = s.writer();
        writer.thread().interrupt();
        assertThatThrownBy(() -> s.publish("b", Headers.EMPTY, new byte[8])).isInstanceOf(JetStreamApiException.class);
        assertThat(writer.failure()).isNotNull();
        assertThat(writer.failure().getMessage()).as("the reason a handle and every refused caller give").isNotBlank()
                .isNotEqualTo("null");
        assertThat(s.readOnlyReason()).hasValueSatisfying(r -> assertThat(r).doesNotEndWith("null"));

        store.close();

        assertThat(writer.thread().isAlive()).isFalse();
        assertThatThrownBy(() -> s.publish("b", Headers.EMPTY, new byte[8]))
                .isInstanceOf(IllegalStateException.class).hasMessage("stream 'BROKEN' is closed");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aCommitListenerThatThrowsLeavesTheWriterRunning() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        JetStartStream s = store.createStream("$G", config("{\"name\":\"LOUD\",\"subjects\":[\"l\"]}"));
        store.addCommitListener(new CommitListener() {
            @Override
            public void batchCommitted(CommittedBatch batch) {
                throw new IllegalStateException("listener broke");
            }

            @Override
            public void synced(SyncPoint point) {
                throw new IllegalStateException("listener broke");
            }
        });

        assertThat(s.publish("l", Headers.EMPTY, new byte[8]).seq()).isEqualTo(1);
        s.flush();
        assertThat(s.publish("l", Headers.EMPTY, new byte[8]).seq()).isEqualTo(2);
        assertThat(s.writer().thread().isAlive()).isTrue();
        store.close();
        assertThat(s.writer().thread().isAlive()).isFalse();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aWriterEndedByAnErrorFailsItsAcksAndEverythingOfferedLater() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        JetStartStream s = store.createStream("$G", config("{\"name\":\"DEAD\",\"subjects\":[\"d\"]}"));
        // An Error is not skipped as a listener's RuntimeException is: it ends the writer's thread.
        store.addCommitListener(batch -> {
            throw new AssertionError("listener died");
        });

        assertThatThrownBy(() -> s.publish("d", Headers.EMPTY, new byte[8]))
                .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10077))
                .hasMessageContaining("listener died");
        s.writer().thread().join();
        assertThatThrownBy(() -> s.publish("d", Headers.EMPTY, new byte[8])).isInstanceOf(IllegalStateException.class)
                .hasMessage("stream 'DEAD' is closed");
        store.close();
    }
}
