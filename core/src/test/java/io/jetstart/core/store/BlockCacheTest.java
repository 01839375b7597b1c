package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.compress.BlockCompression;
import io.jetstart.core.format.RecordCursor;
import io.jetstart.core.io.AtomicFiles;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime's block cache: a growing block is extended by its new bytes only, and when the file
 * was replaced by its compressed form in between (the writer rolled and compressed it), the cache
 * reads it again whole instead of appending compressed bytes to plaintext.
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
}
