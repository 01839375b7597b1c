package io.jetstart.core.store;

import io.jetstart.core.format.RecordCursor;
import java.nio.charset.StandardCharsets;

/**
 * Finds one message record of a block without walking the block: in the writer's tail through a
 * {@link TailRecordOffsets}, in a sealed block through the record index of the {@link BlockSource}
 * the writer reads with (the runtime's {@link BlockCache}). What a single removal (an ack, a
 * {@code delete(seq)}) needs, so that it costs one record instead of the block before it.
 *
 * <pre>
 *  find(b, seq): offset from the index -> cursor on that one record
 *                 sequence is seq, a message record, checksum verified, headers fit -> Found
 *                 anything else (no source, damage, records out of sequence order) -> null
 * </pre>
 *
 * <p>Design note: null never means "not there", only "ask the walk": the caller then removes as
 * before, by walking the block, so a damaged or unusual block keeps exactly the old behaviour. The
 * checksum is verified before the record's subject and length are trusted for the accounting.
 */
final class RecordFinder {
    /** A message record read and verified: what the removal accounts and tells its sink. */
    record Found(long seq, long ts, String subject, int rawLength) { }

    private final TailRecordOffsets tailOffsets = new TailRecordOffsets();
    private BlockSource sealed;
    /** Records this finder read (one per lookup that reached a record), for tests that count work. */
    long recordsRead;

    /** Sealed blocks are looked up through {@code source}; without one they are walked. */
    void readSealedThrough(BlockSource source) {
        this.sealed = source;
    }

    /** Message {@code seq} of block {@code b}, verified, or null when only a walk can tell. */
    Found find(StreamStore s, BlockState b, long seq) throws InterruptedException {
        if (s.tail != null) {
            int[] length = new int[1];
            byte[] inMemory = s.tail.bytesOf(b.index, length);
            if (inMemory != null) {
                int off = tailOffsets.offsetOf(b.index, inMemory, length[0], seq);
                return off < 0 ? null : read(s, b, inMemory, off, length[0], seq);
            }
        }
        if (sealed == null || b.file == null) {
            return null;
        }
        StreamView.Block view = new StreamView.Block(b.index, b.file, b.firstSeq, b.lastSeq, b.msgs, b.deleted, b.validLength,
                b.readBySlot);
        BlockBytes bytes;
        try {
            bytes = sealed.load(view);
        } catch (BlockUnreadableException e) {
            return null;
        }
        try (bytes) {
            int limit = view.length() >= 0 ? (int) Math.min(bytes.length(), view.length()) : bytes.length();
            RecordIndex index = bytes.index();
            // Ascending, the index names the record the walk would meet for seq (the walk skips a record
            // that does not go past the sequences before it). A block whose state claims a last sequence
            // compacted away (nats-server keeps it in index.db) is fine: only the one record matters here.
            // A damaged 2.9 block read by slot may not ascend (a record claiming 1025 at slot 0), but
            // its records that pass their checksum are each in their own slot: the one that claims seq
            // and passes is seq's, which read() checks.
            if (!index.ascending() && !b.readBySlot) {
                return null;
            }
            int off = index.offsetOf(seq, limit);
            return off < 0 ? null : read(s, b, bytes.array(), off, limit, seq);
        }
    }

    private Found read(StreamStore s, BlockState b, byte[] buf, int off, int limit, long seq) {
        recordsRead++;
        RecordCursor c = new RecordCursor().wrap(buf, off, limit);
        if (!c.next() || !c.isMessage() || c.seq() != seq || !c.headersFit()
                || c.checksumProblem(s.ctx.hashes().forBlock(s.name, b.index)) != null) {
            return null;
        }
        String subject = new String(buf, c.subjectOffset(), c.subjectLength(), StandardCharsets.UTF_8);
        return new Found(seq, c.timestamp(), subject, c.rawLength());
    }
}
