package io.jetstart.core.store;

import io.jetstart.core.format.RecordCursor;
import java.util.Arrays;

/**
 * Where each message record of the writer's tail block starts, grown in place as the tail grows:
 * what a single removal needs to go straight to its record in the block the writer is appending to
 * (sealed blocks use the {@link BlockCache}'s {@link RecordIndex} instead).
 *
 * <pre>
 *  block      the tail block indexed (another index starts over)
 *  seqs[i]    sequence of the i-th message record, in file order (ascending, else the index gives up)
 *  offsets[i] its offset in the tail's plaintext
 *  covered    bytes walked so far; the next call walks only [covered, length)
 * </pre>
 *
 * <p>Design note: {@link RecordIndex#extend} copies its arrays on every call, which is right for an
 * immutable index shared by readers but would make acking a message right after it was written
 * cost the whole block again; this one belongs to the stream's single mutator and doubles its
 * arrays only when full. An offset found here is only a hint: the caller checks the record there
 * (sequence and checksum) and falls back to a walk when it does not match.
 */
final class TailRecordOffsets {
    private long block = -1;
    /** Empty until the first record is indexed: a recovery makes one per stream and never asks it. */
    private static final long[] NO_SEQS = {};
    private static final int[] NO_OFFSETS = {};
    private static final int FIRST_CAPACITY = 64;

    private long[] seqs = NO_SEQS;
    private int[] offsets = NO_OFFSETS;
    private int n;
    private int covered;
    private boolean usable = true;

    /**
     * Offset of the message record of {@code seq} in tail block {@code blockIndex}, whose plaintext
     * is {@code buf[0, length)}; -1 when it is not indexed (the caller then walks the block).
     */
    int offsetOf(long blockIndex, byte[] buf, int length, long seq) {
        if (blockIndex != block || length < covered) {
            reset(blockIndex);
        }
        if (covered < length && usable) {
            extend(buf, length);
        }
        if (!usable) {
            return -1;
        }
        int i = Arrays.binarySearch(seqs, 0, n, seq);
        return i >= 0 ? offsets[i] : -1;
    }

    private void reset(long blockIndex) {
        block = blockIndex;
        n = 0;
        covered = 0;
        usable = true;
    }

    private void extend(byte[] buf, int length) {
        RecordCursor c = new RecordCursor().wrap(buf, covered, length);
        while (c.next()) {
            if (!c.isMessage()) {
                continue;
            }
            long seq = c.seq();
            if (n > 0 && seq <= seqs[n - 1]) {
                // Not written by this writer in order: a binary search would lie, so walk instead.
                usable = false;
                return;
            }
            if (n == seqs.length) {
                int capacity = n == 0 ? FIRST_CAPACITY : n * 2;
                seqs = Arrays.copyOf(seqs, capacity);
                offsets = Arrays.copyOf(offsets, capacity);
            }
            seqs[n] = seq;
            offsets[n] = c.offset();
            n++;
        }
        // A record that fails the sanity checks ends what can be indexed; a later call retries from it.
        covered = c.problem() == null ? length : c.offset();
    }
}
