package io.jetstart.core.store;

import java.util.Arrays;

/**
 * The messages recovery's start-up interest sweep removed from a stream that goes to a writer, in
 * the order removed: sequence and timestamp, what the writer's tombstone of each needs
 * ({@link StreamStore#removalsForWriter}, {@link StreamMutator#takeStartUpRemovals}).
 *
 * <p>Design note: recovery changes no file, so without these the sweep's removals lived only in
 * memory and in the next {@code index.db}; a rescan without it had to take the same decision again,
 * which it does not when the rule changes between opens (a 2.9 store becomes a 2.10 one with the
 * runtime's {@code index.db} v1: 2.9.10's INT1 with an unusable {@code 1.idx} got 14 messages back).
 * Two growing arrays rather than a list of boxes: a sweep may take a whole stream.
 */
public final class StartUpRemovals implements StreamStore.RemovalSink {
    /** Nothing removed. */
    public static final StartUpRemovals NONE = new StartUpRemovals();

    private long[] seqs = new long[0];
    private long[] timestamps = new long[0];
    private int size;

    StartUpRemovals() {
    }

    @Override
    public void removed(long seq, long ts, String subject, int rawLength) {
        if (this == NONE) {
            throw new IllegalStateException("StartUpRemovals.NONE keeps nothing");
        }
        if (size == seqs.length) {
            // One entry per live message at most, so the growth is bounded by the stream's count.
            int grown = Math.max(16, size * 2);
            seqs = Arrays.copyOf(seqs, grown);
            timestamps = Arrays.copyOf(timestamps, grown);
        }
        seqs[size] = seq;
        timestamps[size] = ts;
        size++;
    }

    public int size() {
        return size;
    }

    /** The sequence of removal {@code i} (0-based, in the order removed). */
    public long seq(int i) {
        return seqs[java.util.Objects.checkIndex(i, size)];
    }

    /** The removed message's timestamp, which its tombstone carries (spec 3.3). */
    public long timestamp(int i) {
        return timestamps[java.util.Objects.checkIndex(i, size)];
    }
}
