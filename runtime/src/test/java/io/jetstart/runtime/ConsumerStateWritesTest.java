package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.io.AtomicFiles;
import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.meta.StreamConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumers' {@code o.dat} writes as nats-server makes them: they run together beside the
 * housekeeper (the server's flush goroutine per consumer), never hold its timers up, never overlap
 * for one consumer, and each is synced by the store's sync policy: at once under {@code ALWAYS}, at
 * the sync interval and the close under {@code INTERVAL} (the server never syncs them there). Until
 * 2026-12-07 each was written with two fsyncs on the one housekeeper thread, one after the other,
 * and then, run together, still waited for by the housekeeper (docs/runtime.md, "Many streams").
 */
class ConsumerStateWritesTest {
    @TempDir
    Path dir;

    @Test
    void theOdatWritesOfManyConsumersRunTogether() throws Exception {
        RuntimeOptions options = RuntimeOptions.defaults().withRecovery(RuntimeOptions.defaults().recovery().withDios(4));
        CountDownLatch inFirst = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        Set<String> later = Set.of("B", "C", "D");
        CountDownLatch laterStarted = new CountDownLatch(later.size());
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        Set<String> sawAllStarted = ConcurrentHashMap.newKeySet();
        StreamConsumers.OdatWriter seam = (name, file, data) -> {
            if (name.equals("A") && inFirst.getCount() > 0) {
                // Holds A's write (one of the flusher's threads) while B, C and D take deliveries:
                // their writes are due while it is held.
                inFirst.countDown();
                await(releaseFirst);
            } else if (later.contains(name)) {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                laterStarted.countDown();
                try {
                    // One after the other, the first waits here for writes that never start.
                    if (laterStarted.await(5, TimeUnit.SECONDS)) {
                        sawAllStarted.add(name);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    running.decrementAndGet();
                }
            }
            AtomicFiles.write(file, data);
        };
        try (JetStartStore store = JetStart.open(dir, options)) {
            JetStartStream s0 = store.createStream("$G", StreamConfig.builder("S0").subjects("s0").build());
            JetStartStream s1 = store.createStream("$G", StreamConfig.builder("S1").subjects("s1").build());
            JetStartStream s2 = store.createStream("$G", StreamConfig.builder("S2").subjects("s2").build());
            s0.publish("s0", bytes("m"));
            s1.publish("s1", bytes("m"));
            s2.publish("s2", bytes("m"));
            PullConsumer a = s0.createConsumer(ConsumerConfig.builder().durableName("A").build());
            // Two consumers of one stream and one of another.
            List<PullConsumer> others = List.of(s1.createConsumer(ConsumerConfig.builder().durableName("B").build()),
                    s1.createConsumer(ConsumerConfig.builder().durableName("C").build()),
                    s2.createConsumer(ConsumerConfig.builder().durableName("D").build()));
            // Past the 100 ms a consumer waits after its last write (the create's) before the next,
            // so that B's, C's and D's next writes are all due at one tick.
            Thread.sleep(300);
            s0.consumers().odatWriter(seam);
            s1.consumers().odatWriter(seam);
            s2.consumers().odatWriter(seam);
            assertThat(a.fetch(1, 0, Duration.ZERO)).hasSize(1);
            assertThat(inFirst.await(30, TimeUnit.SECONDS)).as("A's o.dat write began").isTrue();
            for (PullConsumer c : others) {
                assertThat(c.fetch(1, 0, Duration.ZERO)).hasSize(1);
            }
            releaseFirst.countDown();
            assertThat(laterStarted.await(30, TimeUnit.SECONDS)).as("B's, C's and D's o.dat writes began").isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sawAllStarted.size() < later.size() && running.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(mostAtOnce.get()).as("B's, C's and D's writes under way at once").isEqualTo(3);
            assertThat(sawAllStarted).as("writes that saw the other two begin while they ran").containsExactlyInAnyOrderElementsOf(later);
        }
        for (String[] c : new String[][] {{"S0", "A"}, {"S1", "B"}, {"S1", "C"}, {"S2", "D"}}) {
            assertThat(delivered(c[0], c[1])).as("%s's delivered in its o.dat after the close", c[1]).isEqualTo(1);
        }
    }

    @Test
    void anAckWaitExpiryIsOnTimeWhileAnotherStreamsOdatWriteIsHeld() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream slow = store.createStream("$G", StreamConfig.builder("SLOW").subjects("slow").build());
            JetStartStream timed = store.createStream("$G", StreamConfig.builder("T").subjects("t").build());
            slow.publish("slow", bytes("m"));
            timed.publish("t", bytes("m"));
            PullConsumer writer = slow.createConsumer(ConsumerConfig.builder().durableName("W").build());
            PullConsumer redelivered = timed.createConsumer(
                    "{\"durable_name\":\"R\",\"ack_policy\":\"explicit\",\"ack_wait\":300000000}");
            // W's next o.dat write (its delivery) blocks until the test ends, as a write behind
            // thousands of others, or on a stalled disk, takes its time.
            slow.consumers().odatWriter((name, file, data) -> {
                held.countDown();
                await(release);
                AtomicFiles.write(file, data);
            });
            try {
                assertThat(writer.fetch(1, 0, Duration.ZERO)).hasSize(1);
                assertThat(held.await(30, TimeUnit.SECONDS)).as("W's o.dat write began").isTrue();
                long delivered = System.nanoTime();
                assertThat(redelivered.fetch(1, 0, Duration.ZERO)).as("R's first delivery").hasSize(1);
                // Due 300 ms after the delivery: the housekeeper's tick must not be waiting for W's write.
                List<ConsumedMessage> again = redelivered.fetch(1, 0, Duration.ofSeconds(10));
                long afterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - delivered);
                assertThat(again).as("R's redelivery while W's o.dat write is held").hasSize(1);
                assertThat(again.getFirst().deliveries()).isEqualTo(2);
                // No upper bound but the fetch's 10 s: the write stays held until the test ends, so any redelivery shows the tick did not wait for it.
                assertThat(afterMillis).as("ms from the delivery to its redelivery (ack wait 300 ms)").isGreaterThanOrEqualTo(300L);
            } finally {
                release.countDown();
            }
        }
        assertThat(delivered("SLOW", "W")).as("W's delivered in its o.dat after the close").isEqualTo(1);
    }

    @Test
    void anAckWaitExpiryIsOnTimeWhileTheSyncIntervalsSyncIsHeld() throws Exception {
        RuntimeOptions options = RuntimeOptions.defaults().withSync(SyncPolicy.INTERVAL).withSyncInterval(Duration.ofMillis(200));
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (JetStartStore store = JetStart.open(dir, options)) {
            JetStartStream s = store.createStream("$G", StreamConfig.builder("S").subjects("s").build());
            s.publish("s", bytes("one"));
            PullConsumer w = s.createConsumer(ConsumerConfig.builder().durableName("W").build());
            PullConsumer r = s.createConsumer("{\"durable_name\":\"R\",\"ack_policy\":\"explicit\",\"ack_wait\":300000000}");
            // The sync interval's fsync of W's o.dat blocks until the test ends, as on a stalled disk.
            s.odatFlusher().jobStarted((job, n) -> {
                if (job.getClass().getSimpleName().equals("SyncJob") && held.getCount() > 0) {
                    held.countDown();
                    await(release);
                }
            });
            try {
                w.fetch(1, 0, Duration.ZERO).getFirst().ack();
                assertThat(held.await(30, TimeUnit.SECONDS)).as("the sync of W's o.dat began").isTrue();
                long delivered = System.nanoTime();
                assertThat(r.fetch(1, 0, Duration.ZERO)).as("R's first delivery").hasSize(1);
                List<ConsumedMessage> again = r.fetch(1, 0, Duration.ofSeconds(10));
                long afterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - delivered);
                assertThat(again).as("R's redelivery while the sync is held").hasSize(1);
                assertThat(again.getFirst().deliveries()).isEqualTo(2);
                // No upper bound but the fetch's 10 s: the write stays held until the test ends, so any redelivery shows the tick did not wait for it.
                assertThat(afterMillis).as("ms from the delivery to its redelivery (ack wait 300 ms)").isGreaterThanOrEqualTo(300L);
            } finally {
                release.countDown();
            }
        }
    }

    @Test
    void aConsumersWritesNeverOverlapAndTheNewestStateLandsLast() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger underWay = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        List<Long> floorsWritten = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", StreamConfig.builder("S").subjects("s").build());
            for (int i = 0; i < 5; i++) {
                s.publish("s", bytes("m" + i));
            }
            PullConsumer c = s.createConsumer(ConsumerConfig.builder().durableName("C").build());
            s.consumers().odatWriter((name, file, data) -> {
                mostAtOnce.accumulateAndGet(underWay.incrementAndGet(), Math::max);
                try {
                    try {
                        floorsWritten.add(ConsumerStateCodec.decode(data).ackFloor().streamSeq());
                    } catch (io.jetstart.core.format.FormatException e) {
                        throw new java.io.IOException(e);
                    }
                    if (held.getCount() > 0) {
                        held.countDown();
                        await(release);
                    }
                    AtomicFiles.write(file, data);
                } finally {
                    underWay.decrementAndGet();
                }
            });
            c.fetch(1, 0, Duration.ZERO).getFirst().ack();
            assertThat(held.await(30, TimeUnit.SECONDS)).as("C's first o.dat write began").isTrue();
            for (ConsumedMessage m : c.fetch(4, 0, Duration.ZERO)) {
                m.ack();
            }
            // Ticks come every 10 ms while C has state to write: none may start a second write of C.
            Thread.sleep(300);
            assertThat(floorsWritten).as("C's writes begun while its first is held").hasSize(1);
            release.countDown();
            awaitAckFloor("S", "C", 5);
            assertThat(mostAtOnce.get()).as("C's o.dat writes under way at once").isEqualTo(1);
            assertThat(floorsWritten).as("ack floors in C's o.dat writes, in order").isSorted().endsWith(5L);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aCloseWaitsForAHeldWriteThenWritesTheLastStateAndNothingAfter() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        ConsumerStateFlusher flusher;
        Thread closer;
        java.util.concurrent.atomic.AtomicReference<Throwable> closeFailed = new java.util.concurrent.atomic.AtomicReference<>();
        try {
            JetStartStream s = store.createStream("$G", StreamConfig.builder("S").subjects("s").build());
            s.publish("s", bytes("one"));
            s.publish("s", bytes("two"));
            PullConsumer c = s.createConsumer(ConsumerConfig.builder().durableName("C").build());
            flusher = s.odatFlusher();
            s.consumers().odatWriter((name, file, data) -> {
                if (held.getCount() > 0) {
                    held.countDown();
                    await(release);
                }
                AtomicFiles.write(file, data);
            });
            c.fetch(1, 0, Duration.ZERO).getFirst().ack();
            assertThat(held.await(30, TimeUnit.SECONDS)).as("C's o.dat write began").isTrue();
            // Changed while its write is held: only the close's last write can carry this.
            c.fetch(1, 0, Duration.ZERO).getFirst().ack();
            closer = Thread.ofPlatform().start(() -> {
                try {
                    store.close();
                } catch (Throwable t) {
                    closeFailed.set(t);
                }
            });
            closer.join(300);
            assertThat(closer.isAlive()).as("the close waits for the write under way").isTrue();
        } finally {
            release.countDown();
        }
        closer.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(closer.isAlive()).as("the close ended once the write was let go").isFalse();
        assertThat(closeFailed.get()).isNull();
        long written = flusher.written();
        Object file = Files.getAttribute(odat("S", "C"), "unix:ino");
        Thread.sleep(300);
        assertThat(flusher.written()).as("o.dat written after the close").isEqualTo(written);
        assertThat(Files.getAttribute(odat("S", "C"), "unix:ino")).as("C's o.dat replaced after the close").isEqualTo(file);
        assertThat(ConsumerStateCodec.decode(Files.readAllBytes(odat("S", "C"))).ackFloor().streamSeq())
                .as("C's ack floor in its o.dat after the close").isEqualTo(2);
    }

    @Test
    void underIntervalATicksWriteIsNotSyncedUntilTheSyncIntervalOrTheClose() throws Exception {
        RuntimeOptions options = RuntimeOptions.defaults().withSync(SyncPolicy.INTERVAL).withSyncInterval(Duration.ofHours(1));
        ConsumerStateFlusher flusher;
        try (JetStartStore store = JetStart.open(dir, options)) {
            JetStartStream s = store.createStream("$G", StreamConfig.builder("S").subjects("s").build());
            s.publish("s", bytes("one"));
            s.publish("s", bytes("two"));
            PullConsumer c = s.createConsumer(ConsumerConfig.builder().durableName("C").build());
            flusher = s.odatFlusher();
            c.fetch(1, 0, Duration.ZERO).getFirst().ack();
            awaitAckFloor("S", "C", 1);
            // The flusher counts the file once its write returns, just after the rename this test saw.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (flusher.unsyncedCount() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            // Written (a kill -9 keeps it), not synced: the server writes it so under its sync interval.
            assertThat(flusher.filesSynced()).as("files synced after the tick's write").isZero();
            assertThat(flusher.unsyncedCount()).as("files written and not synced").isEqualTo(1);
            c.fetch(1, 0, Duration.ZERO);
        }
        // The close's last write (the second delivery) is synced, and needs no other sync.
        assertThat(flusher.unsyncedCount()).as("files left unsynced by the close").isZero();
        assertThat(flusher.filesSynced()).as("files synced by the close").isEqualTo(1);
        assertThat(delivered("S", "C")).isEqualTo(2);
    }

    @Test
    void underIntervalTheFilesWrittenAreSyncedAtTheSyncInterval() throws Exception {
        RuntimeOptions options = RuntimeOptions.defaults().withSync(SyncPolicy.INTERVAL).withSyncInterval(Duration.ofMillis(200));
        try (JetStartStore store = JetStart.open(dir, options)) {
            JetStartStream s = store.createStream("$G", StreamConfig.builder("S").subjects("s").build());
            s.publish("s", bytes("one"));
            PullConsumer c1 = s.createConsumer(ConsumerConfig.builder().durableName("C1").build());
            PullConsumer c2 = s.createConsumer(ConsumerConfig.builder().durableName("C2").build());
            ConsumerStateFlusher flusher = s.odatFlusher();
            c1.fetch(1, 0, Duration.ZERO).getFirst().ack();
            c2.fetch(1, 0, Duration.ZERO).getFirst().ack();
            awaitAckFloor("S", "C1", 1);
            awaitAckFloor("S", "C2", 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((flusher.unsyncedCount() > 0 || flusher.filesSynced() < 2) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(flusher.unsyncedCount()).as("files left unsynced after a sync interval").isZero();
            assertThat(flusher.filesSynced()).as("files synced by the interval").isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void underAlwaysEveryWriteIsSyncedAsItIsWritten() throws Exception {
        RuntimeOptions options = RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS);
        try (JetStartStore store = JetStart.open(dir, options)) {
            JetStartStream s = store.createStream("$G", StreamConfig.builder("S").subjects("s").build());
            s.publish("s", bytes("one"));
            PullConsumer c = s.createConsumer(ConsumerConfig.builder().durableName("C").build());
            ConsumerStateFlusher flusher = s.odatFlusher();
            c.fetch(1, 0, Duration.ZERO).getFirst().ack();
            awaitAckFloor("S", "C", 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (flusher.written() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(flusher.written()).as("o.dat written by ticks").isPositive();
            assertThat(flusher.filesSynced()).as("files synced").isEqualTo(flusher.written());
            assertThat(flusher.unsyncedCount()).isZero();
        }
    }

    @Test
    void aCloseWritesTheLastOdatOfEveryStreamTogether() throws Exception {
        RuntimeOptions options = RuntimeOptions.defaults().withRecovery(RuntimeOptions.defaults().recovery().withDios(4));
        AtomicInteger mostAtOnce = new AtomicInteger();
        CountDownLatch twoAtOnce = new CountDownLatch(1);
        Set<String> tickFailed = ConcurrentHashMap.newKeySet();
        JetStartStore store = JetStart.open(dir, options);
        ConsumerStateFlusher flusher;
        try {
            for (int i = 0; i < 8; i++) {
                JetStartStream s = store.createStream("$G", StreamConfig.builder("S" + i).subjects("s" + i).build());
                s.publish("s" + i, bytes("m"));
                s.createConsumer(ConsumerConfig.builder().durableName("C").build());
                // The ticks' writes fail (as on a full disk): the deliveries are left for the close to write.
                String stream = s.name();
                s.consumers().odatWriter((name, file, data) -> {
                    tickFailed.add(stream);
                    throw new java.io.IOException("held for the close");
                });
            }
            flusher = store.served().getFirst().odatFlusher();
            // Each last write of the close waits up to 5 s for a second one to be under way.
            flusher.jobStarted((job, n) -> {
                if (!job.getClass().getSimpleName().equals("LastWrite")) {
                    return;
                }
                mostAtOnce.accumulateAndGet(n, Math::max);
                if (n >= 2) {
                    twoAtOnce.countDown();
                }
                try {
                    twoAtOnce.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            for (JetStartStream s : store.served()) {
                assertThat(s.consumer("C").fetch(1, 0, Duration.ZERO)).hasSize(1);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tickFailed.size() < 8 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(tickFailed).as("streams whose consumer's tick write failed").hasSize(8);
        } finally {
            store.close();
        }
        assertThat(mostAtOnce.get()).as("last o.dat writes of the close under way at once").isGreaterThanOrEqualTo(2);
        for (int i = 0; i < 8; i++) {
            assertThat(delivered("S" + i, "C")).as("S%d's consumer's delivered after the close", i).isEqualTo(1);
        }
    }

    private long delivered(String stream, String consumer) throws Exception {
        return ConsumerStateCodec.decode(Files.readAllBytes(odat(stream, consumer))).delivered().streamSeq();
    }

    private Path odat(String stream, String consumer) {
        return dir.resolve("jetstream/$G/streams/" + stream + "/obs/" + consumer + "/o.dat");
    }

    private void awaitAckFloor(String stream, String consumer, long floor) throws Exception {
        Path file = odat(stream, consumer);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ConsumerStateCodec.decode(Files.readAllBytes(file)).ackFloor().streamSeq() != floor && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(ConsumerStateCodec.decode(Files.readAllBytes(file)).ackFloor().streamSeq()).as("%s's ack floor in o.dat", consumer)
                .isEqualTo(floor);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
