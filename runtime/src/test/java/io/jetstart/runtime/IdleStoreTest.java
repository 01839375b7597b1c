package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.meta.ConsumerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that does nothing costs nothing: its writers do not rewrite {@code index.db} at every
 * sync interval, and its consumers' housekeeper does not tick every 10 ms. Until 2026-12 a store
 * of 1,000 idle streams with 2,000 consumers took 15 % of a core doing nothing.
 */
class IdleStoreTest {
    @TempDir
    Path dir;

    @Test
    void theBlockBuffersARecoveryGrewGoBackToTheHeapWhenItEndsAndAtTheClose() throws Exception {
        // Eight streams of one ~1 MiB block each, rebuilt (no index.db) by 8 workers at once: each
        // worker's buffer grew to a block. Until 2026-12-06 an open store kept them all (a newcomer
        // measured 94 MB of byte arrays on an idle store opened with 8 workers).
        RuntimeOptions opts = RuntimeOptions.defaults().withBlockSize(2 << 20);
        try (JetStartStore store = JetStart.open(dir, opts)) {
            for (int i = 0; i < 8; i++) {
                JetStartStream s = store.createStream("$G", config("{\"name\":\"S" + i + "\",\"subjects\":[\"s" + i + "\"]}"));
                for (int m = 0; m < 1000; m++) {
                    s.publish("s" + i, new byte[1000]);
                }
            }
        }
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.filter(p -> p.getFileName().toString().equals("index.db")).toList()) {
                Files.delete(p);
            }
        }
        JetStartStore store = JetStart.open(dir, opts.withRecovery(opts.recovery().withWorkers(8)));
        try {
            store.recovery().get();
            assertThat(store.recovery().get().streams()).hasSize(8);
            assertThat(store.bufferBytesHeld()).as("after the recovery: one block's buffer").isLessThanOrEqualTo(2L << 20);
            assertThat(store.stream("S3").await(Duration.ofSeconds(10)).get(500)).isPresent();
        } finally {
            store.close();
        }
        assertThat(store.bufferBytesHeld()).as("after the close").isZero();
    }

    @Test
    void anIdleStreamsIndexDbIsNotRewrittenAtEachIntervalButAChangeIsWritten() throws Exception {
        RuntimeOptions options = RuntimeOptions.defaults().withSync(SyncPolicy.INTERVAL).withSyncInterval(Duration.ofMillis(20));
        try (JetStartStore store = JetStart.open(dir, options)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            s.publish("s", bytes("one"));
            s.flush();
            Path indexDb = dir.resolve("jetstream/$G/streams/S/msgs/index.db");
            Object written = fileKey(indexDb);
            // Twenty-five intervals with nothing to write: index.db is replaced by a rename each
            // time it is written, so a rewrite shows as a new file.
            Thread.sleep(500);
            assertThat(fileKey(indexDb)).as("index.db rewritten with nothing changed").isEqualTo(written);
            s.publish("s", bytes("two"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (fileKey(indexDb).equals(written) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(fileKey(indexDb)).as("index.db written by the interval sync after a publish").isNotEqualTo(written);
        }
        assertThat(RuntimeTestSupport.recovered(dir, "S").messages()).isEqualTo(2);
    }

    @Test
    void theConsumersHousekeeperSleepsWhileNothingHappensAndAnAckStillReachesODat() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            PullConsumer c = s.createConsumer(ConsumerConfig.builder().durableName("C").build());
            s.publish("s", bytes("one"));
            s.publish("s", bytes("two"));
            c.fetch(1, 0, Duration.ZERO).get(0).ack();
            Path odat = dir.resolve("jetstream/$G/streams/S/obs/C/o.dat");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (odatAckFloor(odat) != 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(odatAckFloor(odat)).as("the ack's floor in o.dat").isEqualTo(1);
            // Settled: nothing pending to write, no ack-wait timer (the one delivery is acked).
            Thread.sleep(300);
            long before = store.housekeeperTicks();
            Thread.sleep(600);
            long idleTicks = store.housekeeperTicks() - before;
            // At most one safety tick a second while idle (it ticked every 10 ms: ~60 here).
            assertThat(idleTicks).as("housekeeper ticks in 600 idle ms").isLessThanOrEqualTo(2);
        }
    }

    @Test
    void anIdleStreamsTailBlockLeavesTheHeapAfterTheExpiryAndTheNextPublishBringsItBack() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            s.publish("s", bytes("one"));
            WriterLoop w = s.writer();
            assertThat(w.tailBytesHeld()).as("bytes held by a stream just written to").isPositive();
            w.tailExpiry(Duration.ofMillis(1));
            awaitReleased(w);
            // Nothing to release any more: the writer's next wake is its sync interval's.
            w.tailExpiry(Duration.ofHours(1));
            assertThat(s.get(1)).map(m -> new String(m.payload(), java.nio.charset.StandardCharsets.UTF_8)).contains("one");
            assertThat(w.tailBytesHeld()).as("a read through the block cache needs no bytes of the writer's").isZero();
            assertThat(s.publish("s", bytes("two")).seq()).isEqualTo(2);
            assertThat(w.tailBytesHeld()).as("bytes held again after a publish").isPositive();
            assertThat(s.get(2)).map(m -> new String(m.payload(), java.nio.charset.StandardCharsets.UTF_8)).contains("two");
        }
        assertThat(RuntimeTestSupport.recovered(dir, "S").messages()).isEqualTo(2);
    }

    @Test
    void aTailFileChangedWhileItsBytesWereReleasedFailsTheNextPublishNamingItAndIsNotAppendedTo() throws Exception {
        Path block;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            s.publish("s", bytes("one"));
            WriterLoop w = s.writer();
            w.tailExpiry(Duration.ofMillis(1));
            awaitReleased(w);
            block = dir.resolve("jetstream/$G/streams/S/msgs").resolve(s.info().blocks().getLast().index() + ".blk");
            Files.write(block, new byte[] {9, 9, 9}, java.nio.file.StandardOpenOption.APPEND);
            byte[] changed = Files.readAllBytes(block);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.publish("s", bytes("two")))
                    .hasMessageContaining(block.toString());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.publish("s", bytes("three")))
                    .hasMessageContaining(block.toString());
            assertThat(Files.readAllBytes(block)).as("nothing appended").isEqualTo(changed);
            assertThat(s.get(1)).map(m -> new String(m.payload(), java.nio.charset.StandardCharsets.UTF_8)).contains("one");
        }
    }

    /**
     * The same operations on two stores, one whose tail is released before every operation (every
     * one reads it back: appends, deletes in it, an erase, purges, limits, a roll) and one whose
     * tail stays: the same messages, the same state after a fresh recovery, the same block files,
     * and an {@code index.db} that names the tail's real last checksum (recovered from it, no rebuild).
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "encrypted: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aStreamWhoseTailIsReleasedBeforeEveryOperationEndsAsOneWhoseTailStays(boolean encrypted) throws Exception {
        Path released = dir.resolve("released");
        Path kept = dir.resolve("kept");
        java.util.List<java.util.List<String>> messages = new java.util.ArrayList<>();
        for (Path store : java.util.List.of(released, kept)) {
            RuntimeOptions options = RuntimeOptions.defaults().withBlockSize(1024);
            if (encrypted) {
                options = options.withKey(EncryptedStoreTest.KEY);
            }
            Files.createDirectories(store);
            try (JetStartStore st = JetStart.open(store, options)) {
                JetStartStream s = st.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"],\"max_msgs\":25}"));
                WriterLoop w = s.writer();
                boolean release = store == released;
                if (release) {
                    w.tailExpiry(Duration.ZERO);
                }
                for (int i = 1; i <= 40; i++) {
                    before(w, release);
                    s.publish("s." + (i % 3), bytes("message " + i + " " + "x".repeat(i * 7)));
                }
                before(w, release);
                s.delete(38);
                before(w, release);
                s.delete(20);
                if (!encrypted) {
                    before(w, release);
                    s.erase(39);
                }
                before(w, release);
                s.purge(new PurgeRequest("s.1", 0, 0));
                before(w, release);
                s.purge(new PurgeRequest(null, 0, 60));
                for (int i = 1; i <= 5; i++) {
                    before(w, release);
                    s.publish("s.2", bytes("after " + i));
                }
                before(w, release);
                s.flush();
                java.util.List<String> seen = new java.util.ArrayList<>();
                for (io.jetstart.core.store.StoredMessage m : s.nextBatch(1, "", 1000)) {
                    seen.add(m.seq() + " " + m.subject() + " " + new String(m.payload(), java.nio.charset.StandardCharsets.UTF_8));
                }
                messages.add(seen);
            }
        }
        assertThat(messages.get(0)).isNotEmpty().isEqualTo(messages.get(1));
        io.jetstart.core.store.StreamState a = recovered(released, encrypted);
        io.jetstart.core.store.StreamState b = recovered(kept, encrypted);
        assertThat(java.util.List.of(a.messages(), a.bytes(), a.firstSeq(), a.lastSeq(), a.numDeleted()))
                .isEqualTo(java.util.List.of(b.messages(), b.bytes(), b.firstSeq(), b.lastSeq(), b.numDeleted()));
        assertThat(a.subjects()).isEqualTo(b.subjects());
        assertThat(blockFiles(released)).isEqualTo(blockFiles(kept));
        if (!encrypted) {
            Path msgs = released.resolve("jetstream/$G/streams/S/msgs");
            io.jetstart.core.format.IndexDb index = io.jetstart.core.format.IndexDbCodec.decode("S", Files.readAllBytes(msgs.resolve("index.db")));
            byte[] tail = Files.readAllBytes(msgs.resolve(index.lastBlockIndex() + ".blk"));
            assertThat(index.lastChecksum()).as("index.db's last checksum")
                    .isEqualTo(java.util.Arrays.copyOfRange(tail, tail.length - 8, tail.length));
        }
    }

    /**
     * Readers on other threads while the writer lets the tail go after every batch and reads it back
     * for the next: every message read is the one published under its sequence.
     */
    @Test
    void readersDuringReleasesAndReloadsReadEveryMessageAsPublished() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            s.writer().tailExpiry(Duration.ZERO);
            java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicReference<String> wrong = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            Runnable reader = () -> {
                java.util.Random r = new java.util.Random(7);
                try {
                    while (!done.get() && wrong.get() == null) {
                        long l = last.get();
                        if (l == 0) {
                            continue;
                        }
                        long seq = 1 + r.nextLong(l);
                        String got = s.get(seq).map(m -> new String(m.payload(), java.nio.charset.StandardCharsets.UTF_8)).orElse("none");
                        if (!got.equals("m" + seq)) {
                            wrong.compareAndSet(null, "seq " + seq + ": " + got);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            Thread[] readers = {Thread.ofPlatform().start(reader), Thread.ofPlatform().start(reader)};
            for (int i = 1; i <= 3_000; i++) {
                s.publish("s", bytes("m" + i));
                last.set(i);
                if (i % 50 == 0) {
                    awaitReleased(s.writer());
                }
            }
            done.set(true);
            for (Thread t : readers) {
                t.join();
            }
            assertThat(wrong.get()).isNull();
        }
    }

    private static void before(WriterLoop w, boolean release) throws InterruptedException {
        if (release) {
            awaitReleased(w);
        }
    }

    /** Waits (bounded) for the writer's idle pass to let its tail's bytes go; fails when it never does. */
    static void awaitReleased(WriterLoop w) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (w.tailBytesHeld() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(w.tailBytesHeld()).as("tail bytes held by an idle writer past its expiry").isZero();
    }

    private static io.jetstart.core.store.StreamState recovered(Path store, boolean encrypted) throws Exception {
        return encrypted ? EncryptedStoreTest.recovered(store, "S", EncryptedStoreTest.KEY) : RuntimeTestSupport.recovered(store, "S");
    }

    private static java.util.List<String> blockFiles(Path store) throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.list(store.resolve("jetstream/$G/streams/S/msgs"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".blk")).sorted().toList();
        }
    }

    private static long odatAckFloor(Path odat) throws Exception {
        return ConsumerStateCodec.decode(Files.readAllBytes(odat)).ackFloor().streamSeq();
    }

    private static Object fileKey(Path p) throws java.io.IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        return a.fileKey() != null ? a.fileKey() : a.lastModifiedTime();
    }
}
