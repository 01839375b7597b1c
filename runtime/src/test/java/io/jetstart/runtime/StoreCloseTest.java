package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a closed store still lets through: nothing that writes to its directory or starts a thread.
 * Its lock is released by then, so another process may already hold the store.
 */
class StoreCloseTest {
    @TempDir
    Path dir;

    @Test
    void creatingAStreamAfterCloseIsRefusedAndStartsNoWriter() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        store.close();

        assertThatThrownBy(() -> store.createStream("$G", config("{\"name\":\"LATE\",\"subjects\":[\"l\"]}")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        assertThat(dir.resolve("jetstream").resolve("$G").resolve("streams").resolve("LATE")).doesNotExist();
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.isAlive() && t.getName().equals("jetstart-writer $G > LATE"));
    }

    @Test
    void deletingAStreamAfterCloseIsRefusedAndLeavesItsFiles() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        store.createStream("$G", config("{\"name\":\"KEPT\",\"subjects\":[\"k\"]}")).publish("k", Headers.EMPTY, new byte[3]);
        store.close();

        assertThatThrownBy(() -> store.deleteStream("$G", "KEPT"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        Path kept = dir.resolve("jetstream").resolve("$G").resolve("streams").resolve("KEPT");
        assertThat(kept.resolve("meta.inf")).exists();
        try (JetStartStore again = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(RuntimeTestSupport.open(again, "KEPT").info().messages()).isEqualTo(1);
        }
    }

    @Test
    void creatingOrDeletingAConsumerAfterCloseIsRefusedAndTouchesNoFile() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        JetStartStream s = store.createStream("$G", config("{\"name\":\"C\",\"subjects\":[\"c\"]}"));
        s.createConsumer("{\"durable_name\":\"KEPT\",\"ack_policy\":\"explicit\"}");
        store.close();

        assertThatThrownBy(() -> s.createConsumer("{\"durable_name\":\"LATE\",\"ack_policy\":\"explicit\"}"))
                .isInstanceOf(IllegalStateException.class).hasMessage("stream 'C' is closed");
        assertThatThrownBy(() -> s.deleteConsumer("KEPT"))
                .isInstanceOf(IllegalStateException.class).hasMessage("stream 'C' is closed");
        Path obs = dir.resolve("jetstream").resolve("$G").resolve("streams").resolve("C").resolve("obs");
        assertThat(obs.resolve("LATE")).doesNotExist();
        assertThat(obs.resolve("KEPT").resolve("o.dat")).exists();
    }

    /**
     * A second close while the first still stops the writers returns only once the first is done.
     * The first close is parked by the writer's seam as it hands its stop over; the second is let
     * go once it waits (it never waits on that seam) or has returned.
     */
    @Test
    void aSecondCloseReturnsOnlyOnceTheFirstHasStoppedTheWriters() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        JetStartStream s = store.createStream("$G", config("{\"name\":\"TWICE\",\"subjects\":[\"t\"]}"));
        WriterLoop writer = s.writer();
        OfferPark stopping = OfferPark.firstOf(WriterLoop.Stop.class, writer);
        Thread first = Thread.ofPlatform().name("first-close").start(() -> closeQuietly(store));
        stopping.awaitParked();
        AtomicBoolean writerAliveWhenSecondReturned = new AtomicBoolean();
        Thread second = Thread.ofPlatform().name("second-close").start(() -> {
            closeQuietly(store);
            writerAliveWhenSecondReturned.set(writer.thread().isAlive());
        });
        while (second.getState() != Thread.State.WAITING && second.getState() != Thread.State.TERMINATED) {
            Thread.onSpinWait();
        }
        stopping.release();
        first.join();
        second.join();

        assertThat(writerAliveWhenSecondReturned).isFalse();
        assertThat(writer.thread().isAlive()).isFalse();
    }

    /**
     * A close interrupted while it stops the writers leaves the lock held (a writer may still run)
     * and a later close finishes the job: the writer it had not reached yet is stopped, index.db
     * written, the lock released once. The close is parked by the seam at the first Stop it hands
     * over, then interrupted; the seam keeps the interrupt, so the close's join throws.
     */
    @Test
    void aCloseThatWasInterruptedIsFinishedByTheNextClose() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        JetStartStream a = store.createStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a\"]}"));
        JetStartStream b = store.createStream("$G", config("{\"name\":\"B\",\"subjects\":[\"b\"]}"));
        for (int i = 0; i < 3; i++) {
            a.publish("a", Headers.EMPTY, new byte[5]);
            b.publish("b", Headers.EMPTY, new byte[5]);
        }
        OfferPark stopping = OfferPark.firstOf(WriterLoop.Stop.class, a.writer(), b.writer());
        java.util.concurrent.atomic.AtomicReference<Throwable> firstFailed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread first = Thread.ofPlatform().name("interrupted-close").start(() -> {
            try {
                store.close();
            } catch (Throwable t) {
                firstFailed.set(t);
            }
        });
        stopping.awaitParked();
        first.interrupt();
        first.join();

        assertThat(firstFailed.get()).isInstanceOf(InterruptedException.class);
        // One writer at least has not been told to stop: the store's directory is still ours.
        assertThat(a.writer().thread().isAlive() || b.writer().thread().isAlive()).isTrue();
        assertThatThrownBy(() -> JetStart.open(dir, RuntimeOptions.defaults())).isInstanceOf(StoreLockedException.class);

        store.close();

        assertThat(a.writer().thread().isAlive()).isFalse();
        assertThat(b.writer().thread().isAlive()).isFalse();
        Path streams = dir.resolve("jetstream").resolve("$G").resolve("streams");
        assertThat(streams.resolve("A").resolve("msgs").resolve("index.db")).exists();
        assertThat(streams.resolve("B").resolve("msgs").resolve("index.db")).exists();
        store.close();
        try (JetStartStore again = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(RuntimeTestSupport.open(again, "A").info().messages()).isEqualTo(3);
            assertThat(RuntimeTestSupport.open(again, "B").info().messages()).isEqualTo(3);
        }
    }

    @Test
    void aStoreLockClosedTwiceReleasesOnceAndDoesNotThrow() throws Exception {
        StoreLock lock = StoreLock.acquire(dir);
        lock.close();
        lock.close();
        StoreLock.acquire(dir).close();
    }

    private static void closeQuietly(JetStartStore store) {
        try {
            store.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
