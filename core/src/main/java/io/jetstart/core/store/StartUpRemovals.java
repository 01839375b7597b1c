package io.jetstart.core.store;

import java.util.Arrays;

/**
 * The messages recovery removed from a stream that goes to a writer (its retention limits at the
 * open, then its start-up interest sweep), for the writer to tombstone ({@link
 * StreamStore#removalsForWriter}, {@link StreamMutator#takeStartUpRemovals}): the sequence of each
 * removal in a block that still holds a live message, and the index of each block the removals
 * emptied.
 *
 * <p>Design note: recovery changes no file, so without these the removals lived only in memory and
 * in the next {@code index.db}; a rescan without it had to take the same decision again, which it
 * does not when the rule changes between opens (a 2.9 store becomes a 2.10 one with the runtime's
 * {@code index.db} v1: 2.9.10's INT1 with an unusable {@code 1.idx} got 14 messages back; a limit
 * raised after the open brought back what it had removed). A block the removals emptied keeps no
 * entry, only its index: the writer removes its file before its first operation, and tombstones its
 * message records (read again) only when the file stays. Limits at the open can take every message
 * of a stream (a {@code max_age} that passed while the store was closed): 16 bytes a message would
 * hold hundreds of MB and write millions of tombstones for files that go anyway; this way what is
 * kept is 8 bytes a block, plus the removals in blocks that stay (the block the cut falls in, and
 * the scattered ones of per-subject limits and interest) as sequences only ({@link
 * RemovedSequences}: at most 2 bytes each and 8 KiB per 65,536 sequences). Until 2026-12-07 each of
 * those kept its timestamp too, 16 bytes a removal: a subject limit lowered over 10 M messages held
 * up to 160 MB while the stream opened. The tombstone carries the removed message's timestamp, as
 * nats-server's {@code removeMsg} writes it (spec 3.3; its rebuild reads only the sequence, but for
 * a block of tombstones only, whose last time is its lowest tombstone's in 2.10.27, its highest's in
 * the 2.15 line's source), so the writer reads the timestamps again from the blocks that hold the records at the
 * hand-over, each block once.
 */
public final class StartUpRemovals implements StreamStore.RemovalSink {
    /** Nothing removed. */
    public static final StartUpRemovals NONE = new StartUpRemovals();

    private final RemovedSequences seqs = new RemovedSequences();
    private long[] emptiedBlocks = new long[0];
    private int emptiedSize;

    StartUpRemovals() {
    }

    @Override
    public void removed(long seq, long ts, String subject, int rawLength) {
        if (this == NONE) {
            throw new IllegalStateException("StartUpRemovals.NONE keeps nothing");
        }
        seqs.add(seq);
    }

    /**
     * Block {@code blockIndex}, whose records lie in [{@code lo}, {@code hi}], holds no live message
     * any more: its entries go, its index is kept ({@link #emptiedBlock}).
     */
    @Override
    public void blockEmptied(long blockIndex, long lo, long hi) {
        if (this == NONE) {
            throw new IllegalStateException("StartUpRemovals.NONE keeps nothing");
        }
        if (emptiedSize == emptiedBlocks.length) {
            emptiedBlocks = Arrays.copyOf(emptiedBlocks, Math.max(8, emptiedSize * 2));
        }
        emptiedBlocks[emptiedSize++] = blockIndex;
        seqs.removeRange(lo, hi);
    }

    /** The removals kept (in blocks that still hold a live message). */
    public long size() {
        return seqs.size();
    }

    /** Whether removal {@code seq} is kept (its tombstone not yet written). */
    public boolean contains(long seq) {
        return seqs.contains(seq);
    }

    /** Whether a kept removal lies in [{@code lo}, {@code hi}] (the records of one block). */
    public boolean anyIn(long lo, long hi) {
        return seqs.anyIn(lo, hi);
    }

    /** Forgets removal {@code seq} once its tombstone is written; false when it was not kept. */
    public boolean written(long seq) {
        if (this == NONE) {
            return false;
        }
        return seqs.remove(seq);
    }

    /** Calls {@code each} with the sequence of every kept removal, ascending. */
    public void forEach(java.util.function.LongConsumer each) {
        seqs.forEach(each);
    }

    /** How many blocks the removals emptied. */
    public int emptiedBlocks() {
        return emptiedSize;
    }

    /** The index of emptied block {@code i} (0-based, in the order emptied). */
    public long emptiedBlock(int i) {
        return emptiedBlocks[java.util.Objects.checkIndex(i, emptiedSize)];
    }

    /** The bytes of the arrays this holds: what keeping the removals costs in memory. */
    public long retainedBytes() {
        return seqs.retainedBytes() + 8L * emptiedBlocks.length;
    }
}
