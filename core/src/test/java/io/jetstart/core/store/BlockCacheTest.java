package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.compress.BlockCompression;
import io.jetstart.core.format.RecordCursor;
import io.jetstart.core.io.AtomicFiles;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime's block cache: a growing block is extended by its new bytes only, and when the file
 * was replaced by its compressed form in between (the writer rolled and compressed it), the cache
 * reads it again whole instead of appending compressed bytes to plaintext. A view older than a
 * compaction of the block (a rewrite without the records of removed messages, shorter than what
 * that view saw committed) reads the new file whole, never past its end, however the rename falls
 * between the cache's steps.
 */
class BlockCacheTest {
    @TempDir
    Path tmp;

    private record Prefix(StreamView.Block block, long lastSeq) {
    }

    /** Block 1 of LIM1 as a view that may read only its first records up to about {@code upTo} bytes. */
    private static Prefix prefix(StreamStore s, byte[] plain, int upTo) {
        BlockState b = s.blocks.get(0);
        RecordCursor c = new RecordCursor().wrap(plain, plain.length);
        int end = 0;
        long last = 0;
        while (c.next() && c.offset() + c.rawLength() <= upTo) {
            end = c.offset() + c.rawLength();
            if (!c.isTombstone()) {
                last = Math.max(last, c.seq());
            }
        }
        return new Prefix(new StreamView.Block(b.index, b.file, b.firstSeq, last, last - b.firstSeq + 1 - b.deleted.countInRange(b.firstSeq, last),
                b.deleted, end), last);
    }

    @Test
    void aGrowingBlockReplacedByItsCompressedFormIsReadAgainWholeAndServesTheSameMessages() throws Exception {
        Path store = Fixtures.copyStore("nats-2.15.1-small", tmp);
        Path dir = store.resolve("jetstream").resolve("$G").resolve("streams").resolve("LIM1");
        StreamStore s = StreamOpener.open("$G", "LIM1", dir, MetaFiles.readStream(dir, DiskGate.unbounded()).config(),
                StoreContext.singleThreaded());
        Path blk = s.blocks.get(0).file;
        byte[] plain = Files.readAllBytes(blk);
        BlockCache cache = new BlockCache(64 << 20, DiskGate.unbounded(), new BlockBuffers(1));
        MessageReader reader = new MessageReader("LIM1", s.ctx.hashes(), cache.source(s));
        MessageReader direct = new MessageReader(s);

        Prefix small = prefix(s, plain, plain.length / 3);
        StreamView v1 = new StreamView("$G", "LIM1", 0, 0, small.block().firstSeq(), 0, small.lastSeq(), 0, 0, List.of(small.block()));
        assertThat(reader.read(v1, small.lastSeq())).isEqualTo(direct.read(small.lastSeq()));

        Prefix larger = prefix(s, plain, 2 * plain.length / 3);
        StreamView v2 = new StreamView("$G", "LIM1", 0, 0, larger.block().firstSeq(), 0, larger.lastSeq(), 0, 0, List.of(larger.block()));
        // Grown from the same file: only the new bytes are read.
        assertThat(reader.read(v2, larger.lastSeq())).isEqualTo(direct.read(larger.lastSeq()));

        AtomicFiles.write(blk, BlockCompression.compress(plain, 0, plain.length));
        Prefix whole = prefix(s, plain, plain.length);
        StreamView v3 = new StreamView("$G", "LIM1", 0, 0, whole.block().firstSeq(), 0, whole.lastSeq(), 0, 0, List.of(whole.block()));
        MessageRead last = reader.read(v3, whole.lastSeq());
        assertThat(last).isInstanceOf(MessageRead.Found.class).isEqualTo(direct.read(whole.lastSeq()));
        // Every message of the replaced block reads as before.
        for (long q = whole.block().firstSeq(); q <= whole.lastSeq(); q++) {
            assertThat(reader.read(v3, q)).as("seq " + q).isEqualTo(direct.read(q));
        }
    }

    /** The records of {@code plain} whose sequence {@code keep} takes, in file order: a compaction's output. */
    private static byte[] compacted(byte[] plain, LongPredicate keep) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RecordCursor c = new RecordCursor().wrap(plain, plain.length);
        while (c.next()) {
            if (keep.test(c.seq())) {
                out.write(plain, c.offset(), c.rawLength());
            }
        }
        assertThat(c.problem()).isNull();
        return out.toByteArray();
    }

    private static StreamView viewOf(Prefix p) {
        return new StreamView("$G", "LIM1", 0, 0, p.block().firstSeq(), 0, p.lastSeq(), 0, 0, List.of(p.block()));
    }

    /**
     * Runs each operation through, and {@code before} once just ahead of the {@code n}th from when it
     * is armed: the cache's steps (identity check, read) are each one operation, so a test puts the
     * writer's rename exactly between two of them.
     */
    private static final class RenameBetweenSteps implements DiskGate {
        private int countdown;
        private IoAction before;

        interface IoAction {
            void run() throws IOException;
        }

        void beforeOperation(int n, IoAction action) {
            countdown = n;
            before = action;
        }

        @Override
        public <T> T run(Io<T> io) throws IOException {
            if (before != null && --countdown == 0) {
                IoAction a = before;
                before = null;
                a.run();
            }
            return io.call();
        }
    }

    /**
     * A view cached while the block grew, a compaction renamed over it (only the records of the
     * first, one middle and the last message stay), then a view from before the compaction whose
     * committed length the new file does not reach, read twice: the second load found its own
     * whole read of the new file cached as a shorter prefix and read on past the file's end (an
     * EOF, reported as an unreadable block). Both reads now hand out the kept message, and a
     * message the new file no longer holds is MISSING (the runtime reads it again on the newest
     * view, where it is removed), never an unreadable block.
     */
    @Test
    void aViewOlderThanACompactionReadsTheShorterFileWholeOnEveryLoadNeverPastItsEnd() throws Exception {
        Path store = Fixtures.copyStore("nats-2.15.1-small", tmp);
        Path dir = store.resolve("jetstream").resolve("$G").resolve("streams").resolve("LIM1");
        StreamStore s = StreamOpener.open("$G", "LIM1", dir, MetaFiles.readStream(dir, DiskGate.unbounded()).config(),
                StoreContext.singleThreaded());
        Path blk = s.blocks.get(0).file;
        byte[] plain = Files.readAllBytes(blk);
        BlockCache cache = new BlockCache(64 << 20, DiskGate.unbounded(), new BlockBuffers(1));
        MessageReader reader = new MessageReader("LIM1", s.ctx.hashes(), cache.source(s));

        Prefix small = prefix(s, plain, plain.length / 3);
        Prefix larger = prefix(s, plain, 2 * plain.length / 3);
        StoredMessage kept = ((MessageRead.Found) reader.read(viewOf(small), small.lastSeq())).message();
        StoredMessage alsoKept = ((MessageRead.Found) new MessageReader(s).read(larger.lastSeq())).message();
        long first = larger.block().firstSeq();
        long last = s.blocks.get(0).lastSeq;
        byte[] after = compacted(plain, q -> q == first || q == small.lastSeq() || q == larger.lastSeq() || q == last);
        assertThat(after.length).isLessThan((int) larger.block().length());
        AtomicFiles.write(blk, after);
        long dropped = small.lastSeq() + 1;
        while (!larger.block().isLive(dropped)) {
            dropped++;
        }
        assertThat(dropped).isLessThan(larger.lastSeq());

        for (int i = 0; i < 3; i++) {
            assertThat(reader.read(viewOf(larger), larger.lastSeq())).as("load %d", i)
                    .isEqualTo(new MessageRead.Found(alsoKept));
            assertThat(reader.read(viewOf(larger), small.lastSeq())).as("load %d", i).isEqualTo(new MessageRead.Found(kept));
            MessageRead gone = reader.read(viewOf(larger), dropped);
            assertThat(gone).as("load %d", i).isInstanceOfSatisfying(MessageRead.Damaged.class,
                    d -> assertThat(d.damage().kind()).isEqualTo(RecordDamage.Kind.MISSING));
        }
    }

    /**
     * The compaction's rename falls after the cache found the growing block's file to be the one it
     * extends and before it opened it: the read meets the new file's end early (before: an
     * {@code EOFException}, the block unreadable for that view), or reads the new file's records at
     * the old offsets. Either way the block is read again whole and the messages read as before.
     */
    @Test
    void aCompactionRenamedBetweenTheIdentityCheckAndTheReadOfAGrowingBlockIsReadAgainWhole() throws Exception {
        for (boolean shorter : new boolean[] {true, false}) {
            Path store = Fixtures.copyStore("nats-2.15.1-small", tmp.resolve(shorter ? "shorter" : "longer"));
            Path dir = store.resolve("jetstream").resolve("$G").resolve("streams").resolve("LIM1");
            StreamStore s = StreamOpener.open("$G", "LIM1", dir, MetaFiles.readStream(dir, DiskGate.unbounded()).config(),
                    StoreContext.singleThreaded());
            Path blk = s.blocks.get(0).file;
            byte[] plain = Files.readAllBytes(blk);
            RenameBetweenSteps gate = new RenameBetweenSteps();
            BlockCache cache = new BlockCache(64 << 20, gate, new BlockBuffers(1));
            MessageReader reader = new MessageReader("LIM1", s.ctx.hashes(), cache.source(s));

            Prefix small = prefix(s, plain, plain.length / 3);
            Prefix larger = prefix(s, plain, 2 * plain.length / 3);
            StoredMessage wanted = ((MessageRead.Found) new MessageReader(s).read(larger.lastSeq())).message();
            assertThat(reader.read(viewOf(small), small.lastSeq())).isInstanceOf(MessageRead.Found.class);
            long first = larger.block().firstSeq();
            long last = s.blocks.get(0).lastSeq;
            // Shorter: three records. Longer than the view's committed length: all but the first two
            // records, so the bytes at the old offsets are other records' (or cut through them).
            byte[] after = shorter
                    ? compacted(plain, q -> q == first || q == larger.lastSeq() || q == last)
                    : compacted(plain, q -> q > first + 1);
            assertThat(after.length > larger.block().length()).as("shorter %s", shorter).isEqualTo(!shorter);
            // Operation 1: the identity check of the cached prefix's file; 2: the read of its new bytes.
            gate.beforeOperation(2, () -> AtomicFiles.write(blk, after));
            assertThat(reader.read(viewOf(larger), larger.lastSeq())).as("shorter %s", shorter)
                    .isEqualTo(new MessageRead.Found(wanted));
            assertThat(gate.before).as("the rename ran").isNull();
        }
    }
}
