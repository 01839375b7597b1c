package io.jetstart.core.store;

import io.jetstart.core.format.RecordCursor;
import java.util.Arrays;

/**
 * The tombstones a block file holds, in record order: what its removal would take from a rebuild
 * without {@code index.db}. The writer reads them for an emptied block that is not the first
 * before it removes it: a tombstone there may be all that removes a message whose record an
 * earlier block that stays still holds (design.md section 9: nothing is ever resurrected).
 *
 * @param seqs       the sequences the tombstones name
 * @param timestamps their times, index for index
 */
public record BlockTombstones(long[] seqs, long[] timestamps) {
    public BlockTombstones {
        if (seqs.length != timestamps.length) {
            throw new IllegalArgumentException(seqs.length + " sequences, " + timestamps.length + " timestamps");
        }
    }

    public int size() {
        return seqs.length;
    }

    /**
     * The tombstones of the plaintext block {@code buf[0, len)}; null when a record does not parse
     * (what follows it is not known, so the block is not taken to hold no more).
     */
    static BlockTombstones of(byte[] buf, int len) {
        long[] seqs = new long[16];
        long[] ts = new long[16];
        int n = 0;
        RecordCursor c = new RecordCursor().wrap(buf, len);
        while (c.next()) {
            if (c.isTombstone()) {
                if (n == seqs.length) {
                    seqs = Arrays.copyOf(seqs, n * 2);
                    ts = Arrays.copyOf(ts, n * 2);
                }
                seqs[n] = c.seq();
                ts[n] = c.timestamp();
                n++;
            }
        }
        if (c.problem() != null) {
            return null;
        }
        return new BlockTombstones(Arrays.copyOf(seqs, n), Arrays.copyOf(ts, n));
    }
}
