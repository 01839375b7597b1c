package io.jetstart.runtime;

import static io.jetstart.runtime.BlockReclaimTest.KEY;
import static io.jetstart.runtime.BlockReclaimTest.blocks;
import static io.jetstart.runtime.BlockReclaimTest.check;
import static io.jetstart.runtime.BlockReclaimTest.msgs;
import static io.jetstart.runtime.BlockReclaimTest.sameWithAndWithoutIndexDb;
import static io.jetstart.runtime.BlockReclaimTest.small;
import static io.jetstart.runtime.BlockReclaimTest.whileReading;
import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.format.RecordCursor;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.store.StreamView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer rewrites a sealed block whose live messages take less than half its file (issue 11,
 * nats-server's {@code compactWithFloor}): live records byte for byte, the record of the block's last
 * sequence, the tombstones an earlier block that stays may need; nothing else. Every state reopens
 * the same with and without {@code index.db}; RuntimeCompactionIT starts nats-server 2.10.27 and
 * 2.15.1 on the same shapes.
 */
class BlockCompactionTest {
    @TempDir
    Path dir;
    @TempDir
    Path scratch;

    /** The shape every test here builds: two sealed blocks with few live messages, then a flush. */
    private record Shape(long block1, long block2, long n1, long n2, long keep) {
    }

    /**
     * Block 1 holds 1..n1, of which 1 and n1 stay; block 2 holds the tombstones of 2..n1-1 (records
     * of block 1, which stays), n1+1 (its own record, removed while it was the tail), and messages
     * n1+1..n2 of which only n1+2 stays (n2, its last, goes too). Payloads are the sequences.
     */
    private static Shape build(JetStartStream s, String subject) throws Exception {
        long seq = 0;
        while (s.info().blocks().size() < 2) {
            seq = s.publish(subject, bytes(Long.toString(seq + 1) + "-".repeat(90))).seq();
        }
        // The last publish rolled: it is the first record of block 2.
        List<StreamView.Block> bs = s.info().blocks();
        long block1 = bs.get(0).index();
        long n1 = bs.get(0).lastSeq();
        for (long q = 2; q < n1; q++) {
            s.delete(q);
        }
        seq = s.publish(subject, bytes(Long.toString(seq + 1) + "-".repeat(90))).seq();
        s.delete(n1 + 1);
        while (s.info().blocks().size() < 3) {
            seq = s.publish(subject, bytes(Long.toString(seq + 1) + "-".repeat(90))).seq();
        }
        bs = s.info().blocks();
        long block2 = bs.get(1).index();
        long n2 = bs.get(1).lastSeq();
        assertThat(n2).isGreaterThan(n1 + 4);
        for (long q = n1 + 3; q <= n2; q++) {
            s.delete(q);
        }
        return new Shape(block1, block2, n1, n2, n1 + 2);
    }

    private static void checkPayload(io.jetstart.core.store.StoredMessage m) {
        assertThat(new String(m.payload())).startsWith(m.seq() + "-");
    }

    /** The records of a plain block file: message sequences and tombstone sequences, in file order. */
    private static List<String> records(Path file) throws Exception {
        byte[] b = Files.readAllBytes(file);
        List<String> out = new ArrayList<>();
        RecordCursor c = new RecordCursor().wrap(b, b.length);
        while (c.next()) {
            out.add((c.isTombstone() ? "t" : c.isMessage() ? "m" : "e") + c.seq());
        }
        assertThat(c.problem()).isNull();
        return out;
    }

    @Test
    void aSealedBlockMostlyRemovedIsRewrittenWithItsLiveRecordsItsLastAndTheTombstonesAnEarlierBlockNeeds() throws Exception {
        Shape sh;
        long before1;
        long before2;
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"C\",\"subjects\":[\"c.*\"]}"));
            sh = build(s, "c.x");
            Path m = msgs(dir, "C");
            before1 = Files.size(m.resolve(sh.block1() + ".blk"));
            before2 = Files.size(m.resolve(sh.block2() + ".blk"));
            s.flush();
            assertThat(s.writer().reclaim().blocksCompacted()).isEqualTo(2);
            assertThat(Files.size(m.resolve(sh.block1() + ".blk"))).isLessThan(before1 / 2);
            assertThat(Files.size(m.resolve(sh.block2() + ".blk"))).isLessThan(before2 / 2);
            // Block 1: its two live messages (the second is its last); it held no tombstone.
            assertThat(records(m.resolve(sh.block1() + ".blk"))).containsExactly("m1", "m" + sh.n1());
            // Block 2: the tombstones of block 1's records, its live message, its last's record.
            List<String> expected = new ArrayList<>();
            for (long q = 2; q < sh.n1(); q++) {
                expected.add("t" + q);
            }
            expected.add("m" + sh.keep());
            expected.add("m" + sh.n2());
            assertThat(records(m.resolve(sh.block2() + ".blk"))).containsExactlyElementsOf(expected);
            for (long q = 1; q <= s.info().lastSeq(); q++) {
                boolean live = q == 1 || q == sh.n1() || q == sh.keep() || q > sh.n2();
                assertThat(s.get(q).isPresent()).as("seq %d", q).isEqualTo(live);
                s.get(q).ifPresent(BlockCompactionTest::checkPayload);
            }
            assertThat(s.next(2, "c.*").orElseThrow().seq()).isEqualTo(sh.n1());
            assertThat(s.next(sh.n1() + 1, "c.*").orElseThrow().seq()).isEqualTo(sh.keep());
            // Nothing more to gain: a second flush rewrites nothing.
            s.flush();
            assertThat(s.writer().reclaim().blocksCompacted()).isEqualTo(2);
        }
        StreamState st = sameWithAndWithoutIndexDb(dir, scratch, "C", null);
        assertThat(st.messages()).isEqualTo(3 + st.lastSeq() - sh.n2());
        assertThat(st.deleted().toArray()).contains(2L, sh.n1() + 1, sh.n2());
        // Reopened by the runtime, with and without index.db: the same messages, and it goes on.
        for (boolean withIndexDb : new boolean[] {true, false}) {
            if (!withIndexDb) {
                Files.delete(msgs(dir, "C").resolve("index.db"));
            }
            try (JetStartStore store = JetStart.open(dir, small())) {
                JetStartStream s = open(store, "C");
                // The first reopen published one more.
                assertThat(s.info().messages()).isEqualTo(st.messages() + (withIndexDb ? 0 : 1));
                assertThat(s.get(2)).isEmpty();
                assertThat(s.get(sh.n2())).isEmpty();
                s.get(sh.keep()).ifPresentOrElse(BlockCompactionTest::checkPayload, () -> {
                    throw new AssertionError("message " + sh.keep() + " lost");
                });
                long last = s.info().lastSeq();
                assertThat(s.publish("c.x", bytes((last + 1) + "-")).seq()).isEqualTo(last + 1);
            }
        }
    }

    @Test
    void theSyncIntervalCompactsWithoutAFlush() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small().withSyncInterval(java.time.Duration.ofMillis(50)))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"I\",\"subjects\":[\"i.*\"]}"));
            Shape sh = build(s, "i.x");
            List<String> expected = new ArrayList<>();
            for (long q = 2; q < sh.n1(); q++) {
                expected.add("t" + q);
            }
            expected.add("m" + sh.keep());
            expected.add("m" + sh.n2());
            Path block2 = msgs(dir, "I").resolve(sh.block2() + ".blk");
            // The writer's interval sync (nothing asks for it; it may have compacted block 2 once
            // already, halfway through the removals): a bounded wait, not a timing assertion.
            for (int i = 0; i < 1000 && !records(block2).equals(expected); i++) {
                Thread.sleep(10);
            }
            assertThat(records(block2)).containsExactlyElementsOf(expected);
            assertThat(records(msgs(dir, "I").resolve(sh.block1() + ".blk"))).containsExactly("m1", "m" + sh.n1());
            s.get(sh.keep()).ifPresentOrElse(BlockCompactionTest::checkPayload, () -> {
                throw new AssertionError("lost");
            });
        }
        sameWithAndWithoutIndexDb(dir, scratch, "I", null);
    }

    /**
     * A block file the state does not hold (a stray, here where a removed middle block was) may hold
     * records a later block's tombstones name: no block after it is compacted, one before it is.
     */
    @Test
    void noBlockAfterABlockFileTheStateDoesNotHoldIsCompacted() throws Exception {
        List<StreamView.Block> bs;
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]}"));
            while (s.info().blocks().size() < 6) {
                long next = s.info().lastSeq() + 1;
                s.publish("s.x", bytes(next + "-".repeat(90)));
            }
            bs = s.info().blocks();
            for (long q = bs.get(2).firstSeq(); q <= bs.get(2).lastSeq(); q++) {
                s.delete(q);
            }
            s.flush();
            assertThat(blocks(dir, "S")).doesNotContain(bs.get(2).index());
        }
        // A file where the removed block was: index.db (adopted at the next open) does not name it.
        Files.write(msgs(dir, "S").resolve(bs.get(2).index() + ".blk"), new byte[0]);
        Path before = msgs(dir, "S").resolve(bs.get(1).index() + ".blk");
        Path after = msgs(dir, "S").resolve(bs.get(4).index() + ".blk");
        long sizeBefore = Files.size(before);
        long sizeAfter = Files.size(after);
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = open(store, "S");
            for (StreamView.Block b : List.of(bs.get(1), bs.get(4))) {
                for (long q = b.firstSeq(); q < b.lastSeq(); q++) {
                    s.delete(q);
                }
            }
            s.flush();
            assertThat(Files.size(before)).isLessThan(sizeBefore / 2);
            assertThat(Files.size(after)).isEqualTo(sizeAfter);
            assertThat(s.writer().reclaim().blocksCompacted()).isEqualTo(1);
        }
    }

    @Test
    void aBlockWhoseLiveMessagesTakeHalfOrMoreIsLeftAsItIs() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"H\",\"subjects\":[\"h.*\"]}"));
            while (s.info().blocks().size() < 3) {
                long next = s.info().lastSeq() + 1;
                s.publish("h.x", bytes(next + "-".repeat(90)));
            }
            StreamView.Block first = s.info().blocks().getFirst();
            // Fewer than half of block 1's messages go: it stays whole; the tail is never rewritten.
            for (long q = first.firstSeq() + 1; q < first.firstSeq() + (first.lastSeq() - first.firstSeq() + 1) / 2 - 1; q++) {
                s.delete(q);
            }
            long size = Files.size(msgs(dir, "H").resolve(first.index() + ".blk"));
            s.flush();
            assertThat(s.writer().reclaim().blocksCompacted()).isZero();
            assertThat(Files.size(msgs(dir, "H").resolve(first.index() + ".blk"))).isEqualTo(size);
        }
    }

    @Test
    void anEncryptedStreamsBlockIsRewrittenWithItsKeyFileAndReadsTheSame() throws Exception {
        Shape sh;
        long before;
        try (JetStartStore store = JetStart.open(dir, small().withKey(KEY))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"E\",\"subjects\":[\"e.*\"]}"));
            sh = build(s, "e.x");
            before = Files.size(msgs(dir, "E").resolve(sh.block2() + ".blk"));
            s.flush();
            assertThat(s.writer().reclaim().blocksCompacted()).isEqualTo(2);
            assertThat(Files.size(msgs(dir, "E").resolve(sh.block2() + ".blk"))).isLessThan(before / 2);
            assertThat(msgs(dir, "E").resolve(sh.block2() + ".key")).exists();
            s.get(sh.keep()).ifPresentOrElse(BlockCompactionTest::checkPayload, () -> {
                throw new AssertionError("lost");
            });
        }
        StreamState st = sameWithAndWithoutIndexDb(dir, scratch, "E", KEY);
        assertThat(st.messages()).isEqualTo(3 + st.lastSeq() - sh.n2());
        assertThat(st.deleted().toArray()).contains(2L, sh.n2());
        try (JetStartStore store = JetStart.open(dir, small().withKey(KEY))) {
            JetStartStream s = open(store, "E");
            for (long q : new long[] {1, sh.n1(), sh.keep()}) {
                s.get(q).ifPresentOrElse(BlockCompactionTest::checkPayload, () -> {
                    throw new AssertionError("lost");
                });
            }
        }
    }

    @Test
    void aCompressedStreamsBlockIsRewrittenCompressedAndReadsTheSame() throws Exception {
        Shape sh;
        long before;
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"Z\",\"subjects\":[\"z.*\"],\"compression\":\"s2\"}"));
            sh = build(s, "z.x");
            before = Files.size(msgs(dir, "Z").resolve(sh.block2() + ".blk"));
            s.flush();
            assertThat(s.writer().reclaim().blocksCompacted()).isGreaterThanOrEqualTo(1);
            byte[] file = Files.readAllBytes(msgs(dir, "Z").resolve(sh.block2() + ".blk"));
            assertThat(file.length).isLessThan((int) before);
            assertThat(new String(file, 0, 3)).isEqualTo("cmp");
            s.get(sh.keep()).ifPresentOrElse(BlockCompactionTest::checkPayload, () -> {
                throw new AssertionError("lost");
            });
        }
        StreamState st = sameWithAndWithoutIndexDb(dir, scratch, "Z", null);
        assertThat(st.messages()).isEqualTo(3 + st.lastSeq() - sh.n2());
        assertThat(st.deleted().toArray()).contains(2L, sh.n2());
    }

    /**
     * Readers on whatever view they took keep reading while the writer removes messages at random
     * and compacts at every flush: none ever gets a wrong message or an error.
     */
    @Test
    void readersOnOlderViewsNeverSeeAWrongMessageOrDamageWhileBlocksAreRewritten() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"R\",\"subjects\":[\"r.*\"]}"));
            for (int i = 1; i <= 400; i++) {
                s.publish("r." + (i % 3), bytes(Integer.toString(i)));
            }
            long seed = 11;
            Random random = new Random(seed);
            Throwable failed = whileReading(s, List.of(
                    v -> {
                        for (long seq = v.firstSeq(); seq <= v.lastSeq(); seq++) {
                            s.get(seq).ifPresent(BlockReclaimTest::check);
                        }
                    },
                    v -> {
                        for (long seq = v.firstSeq(); seq <= v.lastSeq(); seq += 7) {
                            s.next(seq, "r.1").ifPresent(BlockReclaimTest::check);
                        }
                    },
                    v -> s.nextBatch(v.firstSeq(), null, 500).forEach(BlockReclaimTest::check),
                    v -> s.lastBySubject("r.2").ifPresent(BlockReclaimTest::check)), () -> {
                        for (int round = 0; round < 60; round++) {
                            for (int k = 0; k < 6; k++) {
                                long seq = 1 + random.nextInt(400);
                                if (s.get(seq).isPresent()) {
                                    s.delete(seq);
                                }
                            }
                            s.flush();
                        }
                    });
            assertThat(failed).as("seed %d", seed).isNull();
            assertThat(s.writer().reclaim().blocksCompacted()).as("seed %d", seed).isGreaterThan(10);
        }
        sameWithAndWithoutIndexDb(dir, scratch, "R", null);
    }

    /**
     * A reader that took its view while block T was the tail, with most of T committed, reads T
     * after the writer sealed it and compacted it to a file shorter than that committed length
     * (what a reader of the test above meets when the writer overtakes it between its view and its
     * load). Until 2026-12 the second such read failed: the block cache kept the first's whole read
     * of the new file as a shorter prefix of a growing block, and the next load read on past the
     * file's end ("T.blk ends at ..., expected ... committed bytes", an unreadable block).
     */
    @Test
    void aReaderOnAViewFromWhenTheBlockWasTheTailReadsItAfterItsCompactionWithoutAnError() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"O\",\"subjects\":[\"o.*\"]}"));
            while (s.info().blocks().size() < 2) {
                s.publish("o.x", bytes(Long.toString(s.info().lastSeq() + 1)));
            }
            // The last publish began block T; fill it to the one before it rolls, keeping that view.
            StreamView old = s.info();
            StreamView.Block tail = old.blocks().getLast();
            while (true) {
                s.publish("o.x", bytes(Long.toString(s.info().lastSeq() + 1)));
                if (s.info().blocks().size() > 2) {
                    break;
                }
                old = s.info();
            }
            StreamView.Block t = old.blocks().getLast();
            assertThat(t.index()).isEqualTo(tail.index());
            assertThat(t.length()).as("T is the tail of the old view").isPositive();
            long keep = (t.firstSeq() + t.lastSeq()) / 2;
            for (long q = t.firstSeq(); q <= t.lastSeq(); q++) {
                if (q != keep) {
                    s.delete(q);
                }
            }
            s.flush();
            Path file = msgs(dir, "O").resolve(t.index() + ".blk");
            assertThat(s.writer().reclaim().blocksCompacted()).isPositive();
            assertThat(Files.size(file)).as("T compacted below the old view's committed length").isLessThan(t.length());
            for (int i = 0; i < 3; i++) {
                s.getOn(old, keep).ifPresentOrElse(BlockReclaimTest::check, () -> {
                    throw new AssertionError("message " + keep + " lost on the old view");
                });
                // Live in the old view, its record gone: read again on the newest, where it is removed.
                assertThat(s.getOn(old, t.firstSeq())).as("read %d", i).isEmpty();
                assertThat(s.getOn(old, keep + 1)).as("read %d", i).isEmpty();
            }
            assertThat(s.get(keep)).isPresent();
        }
        sameWithAndWithoutIndexDb(dir, scratch, "O", null);
    }

    /**
     * Copies of the store taken at each step of the rewrites (temp file written, renamed, directory
     * synced: before the next index.db) and after the flush's index.db: every one recovers, with and
     * without index.db, to the same messages, with nothing lost, damaged or back.
     */
    @Test
    void aKillAtAnyStepOfARewriteLeavesTheSameMessages() throws Exception {
        BlockReclaimTest.KillCopies kills = new BlockReclaimTest.KillCopies(dir, scratch);
        List<BlockCompactor.Step> steps = new ArrayList<>();
        Shape sh;
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"K\",\"subjects\":[\"k.*\"]}"));
            sh = build(s, "k.x");
            s.writer().reclaim().afterCompactionStep(step -> {
                steps.add(step);
                kills.take(0);
            });
            s.flush();
            kills.take(0);
        }
        assertThat(steps).containsExactly(BlockCompactor.Step.TEMP_WRITTEN, BlockCompactor.Step.RENAMED,
                BlockCompactor.Step.DIRECTORY_SYNCED, BlockCompactor.Step.TEMP_WRITTEN, BlockCompactor.Step.RENAMED,
                BlockCompactor.Step.DIRECTORY_SYNCED);
        assertThat(kills.copies).hasSize(7);
        try (Stream<Path> files = Files.list(msgs(kills.copies.getFirst(), "K"))) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith(".") && n.contains(".blk.") && n.endsWith(".tmp"));
        }
        StreamState expected = null;
        for (int i = 0; i < kills.copies.size(); i++) {
            StreamState st = sameWithAndWithoutIndexDb(kills.copies.get(i), scratch, "K", null);
            if (expected == null) {
                expected = st;
            }
            assertThat(st.messages()).as("copy %d", i).isEqualTo(expected.messages());
            assertThat(st.firstSeq()).as("copy %d", i).isEqualTo(expected.firstSeq());
            assertThat(st.lastSeq()).as("copy %d", i).isEqualTo(expected.lastSeq());
            assertThat(st.deleted().toArray()).as("copy %d", i).isEqualTo(expected.deleted().toArray());
            assertThat(st.deleted().toArray()).as("copy %d", i).contains(2L, sh.n1() + 1, sh.n2());
        }
        assertThat(blocks(dir, "K")).contains(sh.block1(), sh.block2());
        // An index.db current when a compaction began (it describes the block as before and after:
        // a rewrite changes nothing it holds), killed before the rename: the blocks before it beside
        // the index.db after it, as the server's indexCacheBuf would check them (first, last, holes).
        Path mixed = kills.copies.getFirst();
        Files.copy(msgs(kills.copies.getLast(), "K").resolve("index.db"), msgs(mixed, "K").resolve("index.db"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        StreamState st = sameWithAndWithoutIndexDb(mixed, scratch, "K", null);
        assertThat(st.messages()).isEqualTo(expected.messages());
        assertThat(st.deleted().toArray()).isEqualTo(expected.deleted().toArray());
        assertThat(BlockReclaimTest.recover(mixed, "K", null).source()).isEqualTo(io.jetstart.core.store.Source.INDEX);
    }
}
