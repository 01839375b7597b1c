package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an open store holds per stream once its streams are idle: no open file and no batch array,
 * so a store of 10,000 streams needs neither 10,000 descriptors nor 160 MB of empty batches
 * (docs/runtime.md, "Many streams").
 */
class ManyStreamsTest {
    private static final int STREAMS = 40;

    @TempDir
    Path dir;

    @Test
    void idleStreamsHoldNoOpenBlockFileAndTheirNextPublishesAreStoredAndRecovered() throws Exception {
        Path fds = Path.of("/proc/self/fd");
        Assumptions.assumeTrue(Files.isDirectory(fds), "descriptors are counted through /proc");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            List<JetStartStream> streams = create(store);
            assertThat(blockFilesOpen(fds)).as("block files open while every stream was just written to").isEqualTo(STREAMS);
            for (JetStartStream s : streams) {
                s.writer().tailExpiry(Duration.ZERO);
            }
            for (JetStartStream s : streams) {
                IdleStoreTest.awaitReleased(s.writer());
            }
            // Until 2026-12: one descriptor per stream for as long as the store was open.
            assertThat(blockFilesOpen(fds)).as("block files open once every stream is idle").isZero();
            for (JetStartStream s : streams) {
                s.writer().tailExpiry(Duration.ofHours(1));
                assertThat(s.publish("s." + s.name(), bytes("two")).seq()).isEqualTo(2);
            }
            assertThat(blockFilesOpen(fds)).as("block files open again after a publish to each").isEqualTo(STREAMS);
            assertThat(streams.getFirst().get(2)).map(m -> new String(m.payload(), java.nio.charset.StandardCharsets.UTF_8))
                    .contains("two");
        }
        assertThat(blockFilesOpen(fds)).as("block files open after the close").isZero();
        for (int i = 0; i < STREAMS; i++) {
            assertThat(RuntimeTestSupport.recovered(dir, "S" + i).messages()).as("S%d's messages after a recovery", i).isEqualTo(2);
        }
    }

    @Test
    void idleStreamsHoldNoWriterThreadAndTheirNextPublishesAreStoredAndRecovered() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            List<JetStartStream> streams = create(store);
            assertThat(writerThreadsAlive()).as("writer threads while every stream was just written to").isEqualTo(STREAMS);
            for (JetStartStream s : streams) {
                s.writer().tailExpiry(Duration.ZERO);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (writerThreadsAlive() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            // Until 2026-12 each writable stream held its platform thread until the close.
            assertThat(writerThreadsAlive()).as("writer threads once every stream is idle").isZero();
            for (JetStartStream s : streams) {
                s.writer().tailExpiry(Duration.ofHours(1));
                assertThat(s.publish("s." + s.name(), bytes("two")).seq()).isEqualTo(2);
            }
            assertThat(writerThreadsAlive()).as("writer threads after a publish to each").isEqualTo(STREAMS);
        }
        assertThat(writerThreadsAlive()).as("writer threads after the close").isZero();
        for (int i = 0; i < STREAMS; i++) {
            assertThat(RuntimeTestSupport.recovered(dir, "S" + i).messages()).as("S%d's messages after a recovery", i).isEqualTo(2);
        }
    }

    /** Live threads named for a writer of this test's streams ({@code S<n>}). */
    private static long writerThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().matches("jetstart-writer \\$G > S\\d+")).count();
    }

    @Test
    void anIdleWriterHoldsNoBatchAndTakesOneAgainForItsNextPublish() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = create(store).getFirst();
            WriterLoop w = s.writer();
            assertThat(w.holdsBatch()).as("a batch held by a writer just written to").isTrue();
            w.tailExpiry(Duration.ZERO);
            IdleStoreTest.awaitReleased(w);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (w.holdsBatch() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            // Until 2026-12 every writer made a batch of 4,096 slots (16 KiB) at its start, for good.
            assertThat(w.holdsBatch()).as("a batch held by an idle writer").isFalse();
            w.tailExpiry(Duration.ofHours(1));
            assertThat(s.publish("s." + s.name(), bytes("two")).seq()).isEqualTo(2);
            assertThat(w.holdsBatch()).as("a batch held after the next publish").isTrue();
        }
        assertThat(RuntimeTestSupport.recovered(dir, "S0").messages()).isEqualTo(2);
    }

    @Test
    void aStreamNothingIsOfferedToHoldsNoWriterQueueUntilItsFirstPublish() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            create(store);
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            List<JetStartStream> streams = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                streams.add(RuntimeTestSupport.open(store, "S" + i));
            }
            // Until 2026-12 every writable stream made its queue's first chunk (4 KiB) at its hand-over.
            for (JetStartStream s : streams) {
                assertThat(s.writer().holdsQueue()).as("%s's queue after the open", s.name()).isFalse();
            }
            JetStartStream first = streams.getFirst();
            assertThat(first.publish("s.S0", bytes("two")).seq()).isEqualTo(2);
            assertThat(first.writer().holdsQueue()).as("S0's queue after its publish").isTrue();
            assertThat(streams.get(1).writer().holdsQueue()).as("S1's queue after S0's publish").isFalse();
        }
        assertThat(RuntimeTestSupport.recovered(dir, "S0").messages()).isEqualTo(2);
        assertThat(RuntimeTestSupport.recovered(dir, "S1").messages()).isEqualTo(1);
    }

    @Test
    void aCloseStopsEveryWriterWithoutWaitingForTheOneBeforeIt() throws Exception {
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        List<JetStartStream> served;
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch letGo = new java.util.concurrent.CountDownLatch(1);
        Thread closing = null;
        try {
            create(store);
            served = store.served();
            JetStartStream first = served.getFirst();
            // The first stream's writer is held in a commit listener (its thread), as a slow disk would hold it.
            store.addCommitListener(batch -> {
                if (batch.stream().equals(first.name())) {
                    held.countDown();
                    try {
                        letGo.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            var unused = first.publishAsync("s." + first.name(), null, bytes("two"));
            held.await();
            closing = Thread.ofPlatform().start(() -> {
                try {
                    store.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            List<JetStartStream> others = served.subList(1, served.size());
            while (others.stream().anyMatch(s -> s.writer().thread().isAlive()) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            // Until 2026-12 the close waited for each writer before it asked the next to stop.
            assertThat(others).as("writers still running while the first one is held").noneMatch(s -> s.writer().thread().isAlive());
            assertThat(first.writer().thread().isAlive()).as("the held writer").isTrue();
        } finally {
            letGo.countDown();
            if (closing != null) {
                closing.join();
            }
            store.close();
        }
        assertThat(store.isClosed()).isTrue();
        assertThat(RuntimeTestSupport.recovered(dir, served.getFirst().name()).messages()).isEqualTo(2);
        assertThat(RuntimeTestSupport.recovered(dir, served.getLast().name()).messages()).isEqualTo(1);
    }

    @Test
    void aConsumerTimerDueOnOneStreamTicksThatStreamNotEveryStream() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            List<JetStartStream> streams = create(store);
            for (JetStartStream s : streams) {
                s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"ack_wait\":3600000000000}");
            }
            // One stream's consumer holds a delivery it never acks, with an ack wait of 10 ms: its
            // timer is due every 10 ms (an expiry, then the next check), as thousands of consumers'
            // timers together are in a large store. The idle streams are ticked by the sweep once a
            // second: a quarter of the busy one's ticks is a margin of 25 times.
            JetStartStream busy = streams.getFirst();
            PullConsumer c = busy.createConsumer("{\"durable_name\":\"T\",\"ack_policy\":\"explicit\",\"ack_wait\":10000000}");
            assertThat(c.fetch(1, 0, Duration.ZERO)).hasSize(1);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long busyFrom = busy.consumers().ticks();
            long[] idleFrom = streams.stream().skip(1).mapToLong(s -> s.consumers().ticks()).toArray();
            while (busy.consumers().ticks() - busyFrom < 60 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            long busyTicks = busy.consumers().ticks() - busyFrom;
            assertThat(busyTicks).as("ticks of the stream whose timer is due every 10 ms").isGreaterThanOrEqualTo(60);
            for (int i = 1; i < streams.size(); i++) {
                // Until 2026-12 every tick went over every stream's consumers: as many as the busy one's.
                assertThat(streams.get(i).consumers().ticks() - idleFrom[i - 1]).as("ticks of idle %s while %s ticked %d times",
                        streams.get(i).name(), busy.name(), busyTicks).isLessThanOrEqualTo(busyTicks / 4);
            }
        }
    }

    private static List<JetStartStream> create(JetStartStore store) throws Exception {
        List<JetStartStream> streams = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S" + i + "\",\"subjects\":[\"s.S" + i + "\"]}"));
            // Kept until a test lets it go: a slow machine taking 10 s over these streams must not release the first ones.
            s.writer().tailExpiry(Duration.ofHours(1));
            s.publish("s.S" + i, bytes("one"));
            streams.add(s);
        }
        return streams;
    }

    /** Descriptors of this process open on a block file ({@code *.blk}) of this test's store. */
    private long blockFilesOpen(Path fds) throws Exception {
        Path store = dir.toRealPath();
        long open = 0;
        try (java.util.stream.Stream<Path> all = Files.list(fds)) {
            for (Path fd : all.toList()) {
                Path target;
                try {
                    target = Files.readSymbolicLink(fd);
                } catch (java.io.IOException gone) {
                    // Closed since the listing (the listing's own descriptor among them).
                    continue;
                }
                if (target.startsWith(store) && target.getFileName().toString().endsWith(".blk")) {
                    open++;
                }
            }
        }
        return open;
    }
}
