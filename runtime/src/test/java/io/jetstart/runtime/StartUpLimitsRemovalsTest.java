package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.store.StartUpRemovals;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.store.StreamStore;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.io.DiskGate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a stream's retention limits remove while it opens (max_msgs, max_age, max_msgs_per_subject)
 * outlives {@code index.db} once the limit no longer asks for it: the writer tombstones each such
 * message, or removes the file of a block they emptied, before its first operation. Until then
 * those removals lived only in memory and in the next {@code index.db}: a limit raised after the
 * open, then an {@code index.db} lost, brought every one of them back (issue 11).
 *
 * <p>The max_msgs case is nats-server's own: 2.10.27's and 2.15.1's MAX1 (max_msgs 800, 1,000
 * records, the 200 the server removed by the limit without a tombstone) with its {@code index.db}
 * lost, as a crash of the server leaves it (it writes {@code index.db} at its sync interval and at
 * its stop). The others are written by the runtime and their {@code meta.inf} edited on disk with
 * a matching {@code meta.sum}: max_age stands for a store closed longer than its streams' max_age.
 */
class StartUpLimitsRemovalsTest {
    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final byte[] PAYLOAD = new byte[100];

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nats-2.10.27-small", "nats-2.15.1-small"})
    void whatMaxMsgsRemovedAtTheOpenStaysRemovedOnceTheLimitIsRaisedAndIndexDbIsLost(String fixture) throws Exception {
        Path store = Fixtures.copyStore(fixture, tmp.resolve("store"));
        Path msgs = msgs(store, "MAX1");
        Files.delete(msgs.resolve("index.db"));
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            StreamView v = rt.stream("MAX1").await(AWAIT).info();
            assertThat(v.messages()).as("max_msgs 800 over the 1,000 records").isEqualTo(800);
            assertThat(v.firstSeq()).isEqualTo(201);
            rt.updateStream("$G", config("{\"name\":\"MAX1\",\"subjects\":[\"max1.*\"],\"max_msgs\":2000}"));
        }
        assertThat(UnusableLegacyIndexInterestTest.tombstones(msgs)).as("a tombstone for each message the open's max_msgs removed")
                .containsAll(LongStream.rangeClosed(1, 200).boxed().toList());

        Files.delete(msgs.resolve("index.db"));
        assertThat(RuntimeTestSupport.recovered(store, "MAX1").messages()).as("a read-only rescan without index.db").isEqualTo(800);
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            StreamView r = rt.stream("MAX1").await(AWAIT).info();
            assertThat(r.messages()).as("the reopen without index.db under max_msgs 2000: %s", r).isEqualTo(800);
            assertThat(r.firstSeq()).isEqualTo(201);
            assertThat(r.lastSeq()).isEqualTo(1000);
        }
    }

    /**
     * MAX1 (one block of 1,000 messages written on 2026-11-25) given a max_age of one day on disk:
     * every message expired at the open. Its one block is the writer's tail; it is sealed and goes
     * behind the last sequence's tombstone, instead of getting 1,000 tombstones.
     */
    @Test
    void aStreamsOnlyBlockEmptiedByMaxAgeAtTheOpenGoesBehindOneTombstone() throws Exception {
        Path store = Fixtures.copyStore("nats-2.15.1-small", tmp.resolve("store"));
        editConfig(store, "MAX1", "\"max_age\":0", "\"max_age\":86400000000000");
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            StreamView v = rt.stream("MAX1").await(AWAIT).info();
            assertThat(v.messages()).isZero();
            assertThat(v.firstSeq()).isEqualTo(1001);
            assertThat(BlockReclaimTest.blocks(store, "MAX1")).as("1.blk gone, the tombstone's block left").containsExactly(2L);
            assertThat(UnusableLegacyIndexInterestTest.tombstones(msgs(store, "MAX1"))).containsExactly(1000L);
            rt.updateStream("$G", config("{\"name\":\"MAX1\",\"subjects\":[\"max1.*\"],\"max_msgs\":800}"));
        }
        Files.delete(msgs(store, "MAX1").resolve("index.db"));
        StreamState rescan = RuntimeTestSupport.recovered(store, "MAX1");
        assertThat(rescan.messages()).as("a rescan without index.db, no max_age").isZero();
        assertThat(rescan.firstSeq()).isEqualTo(1001);
    }

    /**
     * An emptied block the writer keeps gets a tombstone for each of its message records, read
     * again: MAX1 with a payload bit of 100 flipped (a block with verified records past its damage
     * is never removed) and a max_age of a day set on disk, without index.db. The rebuild counts
     * 1-99, all expired; the block stays byte for byte, and 1-99 are tombstoned in the new tail.
     */
    @Test
    void anEmptiedBlockTheWriterKeepsHasEachOfItsRemovedMessagesTombstoned() throws Exception {
        Path store = Fixtures.copyStore("nats-2.15.1-small", tmp.resolve("store"));
        Path msgs = msgs(store, "MAX1");
        Files.delete(msgs.resolve("index.db"));
        byte[] flipped = io.jetstart.core.testing.StoreFaults.flipPayloadBit(msgs.resolve("1.blk"), 100);
        editConfig(store, "MAX1", "\"max_age\":0", "\"max_age\":86400000000000");
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            assertThat(rt.stream("MAX1").await(AWAIT).info().messages()).isZero();
            rt.updateStream("$G", config("{\"name\":\"MAX1\",\"subjects\":[\"max1.*\"],\"max_msgs\":800}"));
        }
        assertThat(Files.readAllBytes(msgs.resolve("1.blk"))).as("the damaged block, as it was").isEqualTo(flipped);
        assertThat(UnusableLegacyIndexInterestTest.tombstones(msgs)).as("its counted messages, each tombstoned")
                .containsAll(LongStream.rangeClosed(1, 99).boxed().toList());
        for (long b : BlockReclaimTest.blocks(store, "MAX1")) {
            if (b > 1) {
                byte[] bytes = Files.readAllBytes(msgs.resolve(b + ".blk"));
                assertThat(io.jetstart.core.store.RebuildFloor.of(bytes, bytes.length))
                        .as("block %d starts above 1000 in 2.10.27's rebuild (not at its lowest tombstone + 1)", b)
                        .isGreaterThan(1000);
            }
        }

        Files.delete(msgs.resolve("index.db"));
        assertThat(RuntimeTestSupport.recovered(store, "MAX1").messages()).as("a rescan without index.db, no max_age").isZero();
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            assertThat(rt.stream("MAX1").await(AWAIT).info().messages()).as("the reopen without index.db, no max_age").isZero();
        }
    }

    @Test
    void whatMaxMsgsPerSubjectRemovedAtTheOpenStaysRemovedOnceTheLimitIsLifted() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        try (JetStartStore rt = JetStart.open(store, BlockReclaimTest.small())) {
            JetStartStream s = rt.createStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.*\"]}"));
            // p.a gets three of every four messages, p.b the fourth: 30 and 10, spread over the blocks.
            for (int i = 1; i <= 40; i++) {
                s.publish(i % 4 == 0 ? "p.b" : "p.a", PAYLOAD);
            }
        }
        editConfig(store, "P", "\"max_msgs_per_subject\":-1", "\"max_msgs_per_subject\":10");
        Files.deleteIfExists(msgs(store, "P").resolve("index.db"));
        List<Long> removed = LongStream.rangeClosed(1, 40).filter(i -> i % 4 != 0).limit(20).boxed().toList();
        java.util.Map<Long, Long> published = records(msgs(store, "P"), false);
        try (JetStartStore rt = JetStart.open(store, BlockReclaimTest.small())) {
            StreamView v = rt.stream("P").await(AWAIT).info();
            assertThat(v.messages()).as("10 of each subject").isEqualTo(20);
            rt.updateStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.*\"]}"));
        }
        // Every block keeps a p.b message: the removals are scattered, each one tombstoned.
        assertThat(UnusableLegacyIndexInterestTest.tombstones(msgs(store, "P"))).as("a tombstone for each message removed")
                .containsAll(removed);
        // Recovery kept their sequences only; the writer read the times again: each tombstone
        // carries its message's timestamp, as nats-server's removeMsg writes it, in the order the
        // limit removed them.
        java.util.Map<Long, Long> tombstones = records(msgs(store, "P"), true);
        assertThat(List.copyOf(tombstones.keySet())).as("the tombstones, in file order").containsExactlyElementsOf(removed);
        for (long seq : removed) {
            assertThat(tombstones.get(seq)).as("tombstone %d's time", seq).isEqualTo(published.get(seq));
        }

        Files.delete(msgs(store, "P").resolve("index.db"));
        StreamState rescan = RuntimeTestSupport.recovered(store, "P");
        assertThat(rescan.messages()).as("a read-only rescan without index.db").isEqualTo(20);
        assertThat(rescan.firstSeq()).as("1-3 removed, 4 is p.b's").isEqualTo(4);
        assertThat(LongStream.of(rescan.deleted().toArray()).boxed().toList()).as("what the rescan finds deleted")
                .containsAll(removed.stream().filter(seq -> seq > 4).toList());
        try (JetStartStore rt = JetStart.open(store, BlockReclaimTest.small())) {
            JetStartStream s = rt.stream("P").await(AWAIT);
            assertThat(s.info().messages()).as("the reopen without index.db, no subject limit").isEqualTo(20);
            assertThat(s.publish("p.a", PAYLOAD).seq()).isEqualTo(41);
        }
    }

    /**
     * A stream of ~100 blocks whose every message is older than its max_age when it opens: the
     * writer removes the blocks' files and writes the last sequence's tombstone alone in a new block,
     * not a tombstone per message, and recovery kept a few bytes per block for it, not 16 per message.
     */
    @Test
    void aStreamWhoseMaxAgePassedWhileClosedLosesItsBlocksNotOneTombstonePerMessage() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        int n = 800;
        try (JetStartStore rt = JetStart.open(store, BlockReclaimTest.small())) {
            JetStartStream s = rt.createStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a.*\"]}"));
            for (int i = 1; i <= n; i++) {
                s.publish("a.1", PAYLOAD);
            }
        }
        int blocksBefore = BlockReclaimTest.blocks(store, "A").size();
        assertThat(blocksBefore).isGreaterThan(90);
        editConfig(store, "A", "\"max_age\":0", "\"max_age\":100000000");
        editConfig(store, "A", "\"duplicate_window\":120000000000", "\"duplicate_window\":100000000");
        // Every message older than 100 ms (the shortest max_age nats-server restores) by then.
        Thread.sleep(150);
        Path copy = tmp.resolve("copy");
        BlockReclaimTest.copyTree(store, copy);

        // What recovery keeps for the writer: the emptied blocks' indexes, no message.
        Path dir = copy.resolve("jetstream/$G/streams/A");
        StreamStore opened = StreamOpener.open("$G", "A", dir, MetaFiles.readStream(dir, DiskGate.unbounded()).config(),
                StoreContext.singleThreaded(), ServerLine.NEWEST, null, true);
        assertThat(opened.messages()).isZero();
        StartUpRemovals kept = opened.handOver(StoreContext.singleThreaded()).takeStartUpRemovals();
        assertThat(kept.size()).as("removals kept one by one").isZero();
        assertThat(kept.emptiedBlocks()).as("every block emptied").isEqualTo(blocksBefore);
        assertThat(kept.retainedBytes()).as("bytes kept for %d removed messages in %d blocks", n, blocksBefore)
                .isLessThanOrEqualTo(16L * blocksBefore + 512);

        try (JetStartStore rt = JetStart.open(store, BlockReclaimTest.small())) {
            StreamView v = rt.stream("A").await(AWAIT).info();
            assertThat(v.messages()).isZero();
            assertThat(v.firstSeq()).isEqualTo(n + 1);
            assertThat(v.lastSeq()).isEqualTo(n);
            assertThat(BlockReclaimTest.blocks(store, "A")).as("the blocks, once the writer took over").hasSizeLessThanOrEqualTo(1);
            assertThat(UnusableLegacyIndexInterestTest.tombstones(msgs(store, "A"))).as("the tombstones written")
                    .containsExactly((long) n);
            // A kill -9 now, after an update lifting max_age wrote its meta.inf: nothing comes back.
            Path killed = tmp.resolve("killed");
            BlockReclaimTest.copyTree(store, killed);
            editConfig(killed, "A", "\"max_age\":100000000", "\"max_age\":0");
            Files.delete(msgs(killed, "A").resolve("index.db"));
            assertThat(RuntimeTestSupport.recovered(killed, "A").messages()).as("files right after the hand-over, no max_age").isZero();
            // A kill in the hand-over, after its index.db named the emptied blocks empty and before
            // their files went: the next open adopts that index.db, and its writer removes the files
            // before its first operation (their messages have no tombstone).
            Path inHandOver = tmp.resolve("in-hand-over");
            BlockReclaimTest.copyTree(store, inHandOver);
            for (long b : BlockReclaimTest.blocks(copy, "A")) {
                Path blk = msgs(inHandOver, "A").resolve(b + ".blk");
                if (!Files.exists(blk)) {
                    Files.copy(msgs(copy, "A").resolve(b + ".blk"), blk);
                }
            }
            Files.deleteIfExists(inHandOver.resolve("jetstart.lock"));
            try (JetStartStore again = JetStart.open(inHandOver, BlockReclaimTest.small())) {
                assertThat(again.stream("A").await(AWAIT).info().messages()).isZero();
                assertThat(BlockReclaimTest.blocks(inHandOver, "A")).as("left out by index.db, gone at the hand-over")
                        .isEqualTo(BlockReclaimTest.blocks(store, "A"));
            }
            rt.updateStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a.*\"]}"));
        }
        long bytes = 0;
        for (long b : BlockReclaimTest.blocks(store, "A")) {
            bytes += Files.size(msgs(store, "A").resolve(b + ".blk"));
        }
        assertThat(bytes).as("block bytes left of %d messages: the last sequence's tombstone alone", n).isEqualTo(30);

        Files.delete(msgs(store, "A").resolve("index.db"));
        assertThat(RuntimeTestSupport.recovered(store, "A").messages()).as("a read-only rescan without index.db, no max_age").isZero();
        try (JetStartStore rt = JetStart.open(store, BlockReclaimTest.small())) {
            JetStartStream s = rt.stream("A").await(AWAIT);
            assertThat(s.info().messages()).as("the reopen without index.db, no max_age").isZero();
            assertThat(s.info().firstSeq()).isEqualTo(n + 1);
            assertThat(s.publish("a.1", PAYLOAD).seq()).isEqualTo(n + 1);
        }
    }

    /** Sequence to timestamp of the message records ({@code tombstones} false) or tombstones of every block file, in index and file order. */
    static java.util.Map<Long, Long> records(Path msgs, boolean tombstones) throws Exception {
        java.util.Map<Long, Long> out = new java.util.LinkedHashMap<>();
        List<Long> blocks = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> s = Files.list(msgs)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".blk"))
                    .forEach(n -> blocks.add(Long.parseLong(n.substring(0, n.length() - 4))));
        }
        java.util.Collections.sort(blocks);
        for (long b : blocks) {
            byte[] bytes = Files.readAllBytes(msgs.resolve(b + ".blk"));
            io.jetstart.core.format.RecordCursor c = new io.jetstart.core.format.RecordCursor().wrap(bytes, bytes.length);
            while (c.next()) {
                if (tombstones ? c.isTombstone() : c.isMessage()) {
                    assertThat(out.put(c.seq(), c.timestamp())).as("sequence %d once", c.seq()).isNull();
                }
            }
        }
        return out;
    }

    private static Path msgs(Path store, String name) {
        return store.resolve("jetstream/$G/streams").resolve(name).resolve("msgs");
    }

    /** One field of the stream's {@code meta.inf} changed on disk, {@code meta.sum} to match (an operator's edit). */
    static void editConfig(Path store, String name, String field, String changed) throws Exception {
        Path dir = store.resolve("jetstream/$G/streams").resolve(name);
        String json = Files.readString(dir.resolve("meta.inf"));
        assertThat(json).contains(field);
        MetaFiles.writeStream(dir, name, json.replace(field, changed).getBytes(StandardCharsets.UTF_8));
    }
}
