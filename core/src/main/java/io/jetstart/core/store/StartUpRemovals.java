package io.jetstart.core.store;

import java.util.Arrays;

/**
 * The messages recovery removed from a stream that goes to a writer (its retention limits at the
 * open, then its start-up interest sweep), for the writer to tombstone ({@link
 * StreamStore#removalsForWriter}, {@link StreamMutator#takeStartUpRemovals}): the sequence and
 * timestamp of each removal in a block that still holds a live message, and the index of each block
 * the removals emptied.
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
 * kept is 8 bytes a block, plus the removals of the block the cut falls in and scattered ones
 * (per-subject limits, interest), bounded by the stream's records in blocks that stay.
 */
public final class StartUpRemovals implements StreamStore.RemovalSink {
    /** Nothing removed. */
    public static final StartUpRemovals NONE = new StartUpRemovals();

    private static final long[] EMPTY = new long[0];

    private long[] seqs = EMPTY;
    private long[] timestamps = EMPTY;
    private int size;
    /** Whether {@link #seqs} ascend: then a block's entries are one run, found by binary search. */
    private boolean ascending = true;
    /**
     * Sequence ranges [lo, hi] of emptied blocks whose entries may still be kept: only once entries
     * stopped ascending (a later walk over blocks an earlier one took from); dropped by {@link #prune}.
     */
    private long[] pendingRanges = EMPTY;
    private int pendingSize;
    private long[] emptiedBlocks = EMPTY;
    private int emptiedSize;

    StartUpRemovals() {
    }

    @Override
    public void removed(long seq, long ts, String subject, int rawLength) {
        if (this == NONE) {
            throw new IllegalStateException("StartUpRemovals.NONE keeps nothing");
        }
        if (size == seqs.length) {
            prune();
            if (size > seqs.length / 2 || seqs.length == 0) {
                // At most one entry per removed message in a block that stays: bounded by the stream's records.
                int grown = Math.max(16, seqs.length * 2);
                seqs = Arrays.copyOf(seqs, grown);
                timestamps = Arrays.copyOf(timestamps, grown);
            }
        }
        if (size > 0 && seq <= seqs[size - 1]) {
            ascending = false;
        }
        seqs[size] = seq;
        timestamps[size] = ts;
        size++;
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
        if (ascending) {
            int from = lowerBound(lo);
            int to = lowerBound(hi + 1);
            if (to > from) {
                System.arraycopy(seqs, to, seqs, from, size - to);
                System.arraycopy(timestamps, to, timestamps, from, size - to);
                size -= to - from;
            }
            return;
        }
        if (pendingSize + 2 > pendingRanges.length) {
            pendingRanges = Arrays.copyOf(pendingRanges, Math.max(8, pendingRanges.length * 2));
        }
        pendingRanges[pendingSize++] = lo;
        pendingRanges[pendingSize++] = hi;
    }

    /** The first entry whose sequence is at least {@code seq} (entries ascending). */
    private int lowerBound(long seq) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (seqs[mid] < seq) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Drops the entries of emptied blocks that {@link #blockEmptied} could not drop at once. */
    private void prune() {
        if (pendingSize == 0) {
            return;
        }
        int n = pendingSize / 2;
        long[][] ranges = new long[n][];
        for (int i = 0; i < n; i++) {
            ranges[i] = new long[] {pendingRanges[2 * i], pendingRanges[2 * i + 1]};
        }
        // Blocks' ranges never overlap: sorted by their start, one binary search per entry.
        Arrays.sort(ranges, (a, b) -> Long.compare(a[0], b[0]));
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (!inAny(ranges, seqs[i])) {
                seqs[kept] = seqs[i];
                timestamps[kept] = timestamps[i];
                kept++;
            }
        }
        size = kept;
        pendingSize = 0;
    }

    private static boolean inAny(long[][] ranges, long seq) {
        int lo = 0;
        int hi = ranges.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (ranges[mid][1] < seq) {
                lo = mid + 1;
            } else if (ranges[mid][0] > seq) {
                hi = mid - 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** The removals kept (in blocks that still hold a live message); {@link #seq} and {@link #timestamp} go up to it. */
    public int size() {
        prune();
        return size;
    }

    /** The sequence of kept removal {@code i} (0-based, in the order removed). */
    public long seq(int i) {
        prune();
        return seqs[java.util.Objects.checkIndex(i, size)];
    }

    /** The removed message's timestamp, which its tombstone carries (spec 3.3). */
    public long timestamp(int i) {
        prune();
        return timestamps[java.util.Objects.checkIndex(i, size)];
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
        return 8L * (seqs.length + timestamps.length + pendingRanges.length + emptiedBlocks.length);
    }
}
