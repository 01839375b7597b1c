package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A single removal (an ack of a work queue, {@code delete(seq)}) reads the removed message's record
 * (and, when it was its block's first, the next live one's), not the block before it, and leaves
 * the store, and tells its sink, exactly what the block walk did.
 */
class SingleRemovalTest {
    @TempDir
    Path tmp;

    private record Removal(long seq, long ts, String subject, int rawLength) {
    }

    private StreamStore open(String fixture, String stream, String copy) throws Exception {
        Path store = Fixtures.copyStore(fixture, tmp.resolve(copy));
        Path dir = store.resolve("jetstream").resolve("$G").resolve("streams").resolve(stream);
        // An encrypted fixture is opened with its server's key, as the runtime opens it.
        StoreKey key = Fixtures.key(fixture).map(StoreKey::ofText).orElse(null);
        StoreContext ctx = StoreContext.singleThreaded().withKey(key);
        StreamKeys keys = StreamKeys.load(key, "$G", dir, DiskGate.unbounded());
        StreamStore s = StreamOpener.open("$G", stream, dir, MetaFiles.readStream(dir, DiskGate.unbounded(), keys).config(), ctx);
        s.handOver(ctx);
        return s;
    }

    /** Removes every live message in sequence order, as a work queue acked in order does; returns what the sink heard. */
    private static List<Removal> removeAllInOrder(StreamStore s, long[] mostRecordsPerRemoval) throws Exception {
        List<Removal> heard = new ArrayList<>();
        long first = s.firstSeq;
        long last = s.lastSeq;
        for (long q = first; q <= last; q++) {
            if (!s.isLive(q)) {
                assertThat(s.removeOne(q, (seq, ts, subject, rl) -> heard.add(new Removal(seq, ts, subject, rl))))
                        .as("seq %d is not live", q).isFalse();
                continue;
            }
            long before = s.finder.recordsRead + s.recordsWalkedByRemovals;
            assertThat(s.removeOne(q, (seq, ts, subject, rl) -> heard.add(new Removal(seq, ts, subject, rl)))).as("seq " + q).isTrue();
            mostRecordsPerRemoval[0] = Math.max(mostRecordsPerRemoval[0], s.finder.recordsRead + s.recordsWalkedByRemovals - before);
        }
        return heard;
    }

    private static void assertSameState(StreamStore fast, StreamStore walked) {
        StreamState a = fast.state();
        StreamState b = walked.state();
        assertThat(a.messages()).isEqualTo(b.messages()).isZero();
        assertThat(a.bytes()).isEqualTo(b.bytes()).isZero();
        assertThat(a.firstSeq()).isEqualTo(b.firstSeq());
        assertThat(a.firstTs()).isEqualTo(b.firstTs());
        assertThat(a.lastSeq()).isEqualTo(b.lastSeq());
        assertThat(a.subjects()).isEqualTo(b.subjects());
        for (int i = 0; i < fast.blocks.size(); i++) {
            BlockState x = fast.blocks.get(i);
            BlockState y = walked.blocks.get(i);
            assertThat(new long[] {x.firstSeq, x.lastSeq, x.msgs, x.bytes, x.firstTs})
                    .as("block " + x.index).containsExactly(y.firstSeq, y.lastSeq, y.msgs, y.bytes, y.firstTs);
            assertThat(x.deleted).isEqualTo(y.deleted);
        }
    }

    /** Checks the state after each removal, not only at the end: half the messages, then compare. */
    private static void assertSameStateMidway(String fixture, String stream, StreamStore fast, StreamStore walked) throws Exception {
        long mid = (fast.firstSeq + fast.lastSeq) / 2;
        for (long q = fast.firstSeq; q <= mid; q++) {
            assertThat(fast.removeOne(q, StreamStore.RemovalSink.NONE)).isEqualTo(walked.removeOne(q, StreamStore.RemovalSink.NONE));
        }
        assertThat(fast.state().messages()).as(fixture + " " + stream).isEqualTo(walked.state().messages());
        assertThat(fast.state().bytes()).isEqualTo(walked.state().bytes());
        assertThat(fast.state().firstSeq()).isEqualTo(walked.state().firstSeq());
        assertThat(fast.state().firstTs()).isEqualTo(walked.state().firstTs());
        assertThat(fast.state().subjects()).isEqualTo(walked.state().subjects());
    }

    @Test
    void removingSealedBlockMessagesInOrderReadsAtMostTwoRecordsEachAndMatchesTheWalk() throws Exception {
        for (String[] fs : new String[][] {{"nats-2.15.1-small", "LIM1"}, {"nats-2.15.1-small", "INT1"}, {"nats-2.15.1-s2", "LIM"},
                {"nats-2.10.27-s2", "MANY"}}) {
            assertSealedRemovalsMatchTheWalk(fs[0], fs[1]);
        }
    }

    @Test
    void removingEncryptedBlockMessagesInOrderReadsAtMostTwoRecordsEachAndMatchesTheWalk() throws Exception {
        // Both ciphers on both lines with LIM1 (erased and deleted messages), INT1 (interest) and
        // PSUB (subject purges) once: the walk they are compared with decrypts the whole block for
        // every removal, so each stream costs a few hundred block reads.
        for (String fixture : List.of("nats-2.10.27-chacha", "nats-2.15.1-chacha", "nats-2.10.27-aes", "nats-2.15.1-aes")) {
            assertSealedRemovalsMatchTheWalk(fixture, "LIM1");
        }
        assertSealedRemovalsMatchTheWalk("nats-2.15.1-chacha", "INT1");
        assertSealedRemovalsMatchTheWalk("nats-2.10.27-aes", "PSUB");
    }

    /** Every live message of {@code stream} removed in order through the block cache, and by the walk. */
    private void assertSealedRemovalsMatchTheWalk(String fixture, String stream) throws Exception {
        String what = fixture + " " + stream;
        StreamStore fast = open(fixture, stream, fixture + "-" + stream + "-fast");
        fast.finder.readSealedThrough(new BlockCache(64 << 20, DiskGate.unbounded(), new BlockBuffers(1)).source(fast));
        StreamStore walked = open(fixture, stream, fixture + "-" + stream + "-walked");
        long[] most = {0};
        long[] mostWalked = {0};
        List<Removal> a = removeAllInOrder(fast, most);
        List<Removal> b = removeAllInOrder(walked, mostWalked);

        assertThat(a).as(what).isNotEmpty().isEqualTo(b);
        assertSameState(fast, walked);
        assertThat(most[0]).as(what + ": records read by the costliest removal").isBetween(1L, 2L);
        assertThat(fast.recordsWalkedByRemovals).as(what).isZero();
        // The walk this replaces reads the records before the removed one, so its costliest removal reads many.
        assertThat(mostWalked[0]).as(what).isGreaterThan(100);
    }

    @Test
    void removingTheWritersTailMessagesReadsAtMostTwoRecordsEachAndMatchesTheWalk() throws Exception {
        assertTailRemovalsMatchTheWalk("nats-2.15.1-small", "LIM1");
    }

    @Test
    void removingAnEncryptedWritersTailMessagesReadsAtMostTwoRecordsEachAndMatchesTheWalk() throws Exception {
        for (String fixture : List.of("nats-2.10.27-chacha", "nats-2.15.1-aes")) {
            assertTailRemovalsMatchTheWalk(fixture, "LIM1");
        }
    }

    /** Every live message of {@code stream}'s last block removed in order from the writer's memory, and by the walk. */
    private void assertTailRemovalsMatchTheWalk(String fixture, String stream) throws Exception {
        String what = fixture + " " + stream;
        StreamStore fast = open(fixture, stream, fixture + "-fast");
        BlockState only = fast.blocks.getLast();
        byte[] inMemory = Files.readAllBytes(only.file);
        // The writer holds its tail as plaintext (an encrypted block is sealed on its way to disk).
        fast.decryptBlock(only.index, inMemory, inMemory.length);
        // As the writer does: reads of its tail block come from its memory (no block source at all).
        fast.tail = (index, lengthOut) -> {
            if (index != only.index) {
                return null;
            }
            lengthOut[0] = inMemory.length;
            return inMemory;
        };
        StreamStore walked = open(fixture, stream, fixture + "-walked");
        long[] most = {0};
        List<Removal> a = removeAllInOrder(fast, most);
        List<Removal> b = removeAllInOrder(walked, new long[1]);

        assertThat(a).as(what).isNotEmpty().isEqualTo(b);
        assertSameState(fast, walked);
        assertThat(most[0]).as(what).isBetween(1L, 2L);
        assertThat(fast.recordsWalkedByRemovals).as(what).isZero();
    }

    @Test
    void halfwayThroughTheStateMatchesTheWalk() throws Exception {
        StreamStore fast = open("nats-2.15.1-s2", "LIM", "fast");
        fast.finder.readSealedThrough(new BlockCache(64 << 20, DiskGate.unbounded(), new BlockBuffers(1)).source(fast));
        StreamStore walked = open("nats-2.15.1-s2", "LIM", "walked");
        assertSameStateMidway("nats-2.15.1-s2", "LIM", fast, walked);
    }

    @Test
    void aRecordWhoseChecksumFailsIsRemovedByTheWalkAsBefore() throws Exception {
        StreamStore fast = open("nats-2.15.1-small", "LIM1", "fast");
        fast.finder.readSealedThrough(new BlockCache(64 << 20, DiskGate.unbounded(), new BlockBuffers(1)).source(fast));
        StreamStore walked = open("nats-2.15.1-small", "LIM1", "walked");
        long seq = fast.firstSeq + 10;
        // Flip the last payload byte of seq's record (before its 8-byte checksum) in the fast copy's block.
        Path file = fast.blocks.getFirst().file;
        byte[] bytes = Files.readAllBytes(file);
        int off = RecordIndex.of(bytes, bytes.length).offsetOf(seq, bytes.length);
        int rl = (int) (io.jetstart.core.format.LittleEndian.u32(bytes, off) & 0x7fff_ffffL);
        bytes[off + rl - 9] ^= 1;
        Files.write(file, bytes);

        List<Removal> a = new ArrayList<>();
        List<Removal> b = new ArrayList<>();
        assertThat(fast.removeOne(seq, (q, ts, s, l) -> a.add(new Removal(q, ts, s, l)))).isTrue();
        assertThat(walked.removeOne(seq, (q, ts, s, l) -> b.add(new Removal(q, ts, s, l)))).isTrue();
        assertThat(a).hasSize(1).isEqualTo(b);
        assertThat(fast.recordsWalkedByRemovals).as("the bad record sent the removal to the walk").isGreaterThan(0);
        assertThat(fast.state().messages()).isEqualTo(walked.state().messages());
        assertThat(fast.state().bytes()).isEqualTo(walked.state().bytes());
        // The message is gone either way: removing it again is refused.
        assertThat(fast.removeOne(seq, StreamStore.RemovalSink.NONE)).isFalse();
    }
}
