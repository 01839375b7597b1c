package io.jetstart.core.store;

import io.jetstart.core.format.RecordCursor;
import java.util.Arrays;

/**
 * Where each non-tombstone record of a block's plaintext starts, from one walk of its record
 * headers (no checksums): what {@link MessageReader} needs to find a message by a binary search
 * and to check the block's layout against its state without walking it again.
 *
 * <pre>
 *  seqs[i]     sequence of the i-th message or erased record, in file order
 *  offsets[i]  its offset; ~offset (negative) for an erased record or skip marker
 *  length      bytes walked; problem/problemOffset: the record where the walk stopped, if it did
 * </pre>
 *
 * <p>Design note: immutable, so a cache can hand one index to many reader threads; a block that
 * grows (the writer's last one) gets a new index by {@link #extend}, which walks only the new
 * bytes. A walk that stopped at a bad record is never extended (nothing after it is readable).
 */
final class RecordIndex {
    private final long[] seqs;
    private final int[] offsets;
    private final int n;
    private final int length;
    private final int problemOffset;
    private final String problem;
    private final boolean ascending;

    private RecordIndex(long[] seqs, int[] offsets, int n, int length, int problemOffset, String problem, boolean ascending) {
        this.seqs = seqs;
        this.offsets = offsets;
        this.n = n;
        this.length = length;
        this.problemOffset = problemOffset;
        this.problem = problem;
        this.ascending = ascending;
    }

    /** Indexes the records of {@code buf[0, len)}. */
    static RecordIndex of(byte[] buf, int len) {
        return new RecordIndex(new long[0], new int[0], 0, 0, -1, null, true).extend(buf, len);
    }

    /** Records indexed (message and erased). */
    int count() {
        return n;
    }

    /** Whether the indexed sequences ascend in file order (a binary search then finds the walk's record). */
    boolean ascending() {
        return ascending;
    }

    /** Bytes this index covers. */
    int length() {
        return length;
    }

    /**
     * This index grown to {@code buf[0, newLength)}, whose first {@link #length()} bytes are the
     * ones indexed here; itself when nothing was added or when its walk already stopped at damage.
     */
    RecordIndex extend(byte[] buf, int newLength) {
        if (newLength <= length || problem != null) {
            return this;
        }
        long[] s = Arrays.copyOf(seqs, Math.max(16, n + 64));
        int[] o = Arrays.copyOf(offsets, s.length);
        int count = n;
        boolean asc = ascending;
        RecordCursor c = new RecordCursor().wrap(buf, length, newLength);
        while (c.next()) {
            if (c.isTombstone()) {
                continue;
            }
            if (count == s.length) {
                s = Arrays.copyOf(s, count * 2);
                o = Arrays.copyOf(o, count * 2);
            }
            long seq = c.seq();
            asc &= count == 0 || seq > s[count - 1];
            s[count] = seq;
            o[count] = c.isMessage() ? c.offset() : ~c.offset();
            count++;
        }
        String bad = c.problem();
        return new RecordIndex(Arrays.copyOf(s, count), Arrays.copyOf(o, count), count, bad == null ? newLength : c.offset(),
                bad == null ? -1 : c.offset(), bad, asc);
    }

    /** Offset of the message record of {@code seq} that starts before {@code limit}, or -1. */
    int offsetOf(long seq, int limit) {
        int hi = entriesBefore(limit);
        if (ascending) {
            int i = Arrays.binarySearch(seqs, 0, hi, seq);
            return i >= 0 && offsets[i] >= 0 ? offsets[i] : -1;
        }
        for (int i = 0; i < hi; i++) {
            if (seqs[i] == seq && offsets[i] >= 0) {
                return offsets[i];
            }
        }
        return -1;
    }

    /**
     * Why the records of {@code [0, limit)} do not describe block {@code b}, or null: the checks of
     * nats-server's {@code indexCacheBuf} (spec §3.6), which rebuilds a block when one fails: every
     * record passes the sanity checks, the block's first sequence has a message record, and its
     * highest record sequence is the block's last. A live sequence missing in between is not one of
     * them: the server fills the hole and answers 404 for it alone.
     */
    String layoutProblem(StreamView.Block b, int limit) {
        if (problem != null && problemOffset < limit) {
            return "record at offset " + problemOffset + ": " + problem;
        }
        int hi = entriesBefore(limit);
        if (offsetOf(b.firstSeq(), limit) < 0) {
            return "no message record holds the block's first sequence " + b.firstSeq();
        }
        long last = 0;
        if (ascending) {
            last = hi == 0 ? 0 : seqs[hi - 1];
        } else {
            for (int i = 0; i < hi; i++) {
                last = Math.max(last, seqs[i]);
            }
        }
        return last == b.lastSeq() ? null : "the highest record sequence is " + Long.toUnsignedString(last)
                + ", the block's last is " + b.lastSeq();
    }

    /** How many entries start before {@code limit} (offsets ascend in file order). */
    private int entriesBefore(int limit) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int off = offsets[mid] >= 0 ? offsets[mid] : ~offsets[mid];
            if (off < limit) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
