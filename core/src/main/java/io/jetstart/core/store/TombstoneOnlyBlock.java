package io.jetstart.core.store;

import io.jetstart.core.format.BlockScan;
import io.jetstart.core.format.Tombstone;
import io.jetstart.core.lines.ServerLine;

/**
 * Where a rebuilt block that holds nothing but tombstones starts, by server line (spec §3.5,
 * {@link ServerLine#emptyBlockFollowsHighestTombstone}). The scanner follows 2.12.1+ (first =
 * highest tombstone + 1, last = highest tombstone); 2.10.x and 2.11.0–2.11.10 take the lowest.
 *
 * <p>It matters when such a block is the last one: its last sequence becomes the stream's. Real
 * 2.10.27, rebuilding a stream whose messages 321–640 were deleted (their block removed, their
 * tombstones alone in the write block), reports last sequence 321 where 2.15.1 reports 639 or 640.
 */
final class TombstoneOnlyBlock {
    private TombstoneOnlyBlock() {
    }

    /** {@code scan} as {@code line} would have fixed it up. */
    static BlockScan asLine(BlockScan scan, ServerLine line) {
        if (line.emptyBlockFollowsHighestTombstone() || scan.msgs() != 0 || scan.tombstones().isEmpty()) {
            return scan;
        }
        Tombstone lowest = scan.tombstones().get(0);
        long highest = 0;
        for (Tombstone t : scan.tombstones()) {
            if (Long.compareUnsigned(t.seq(), lowest.seq()) < 0) {
                lowest = t;
            }
            if (Long.compareUnsigned(t.seq(), highest) > 0) {
                highest = t.seq();
            }
        }
        // Only the tombstone fix-up sets first to the highest tombstone + 1 on an empty block.
        if (scan.firstSeq() != highest + 1 || scan.lastSeq() != highest) {
            return scan;
        }
        return new BlockScan(scan.index(), lowest.seq() + 1, 0, lowest.seq(), lowest.ts(), scan.msgs(), scan.bytes(),
                scan.deleted(), scan.tombstones(), scan.subjects(), scan.ttls(), scan.schedules(), scan.validLength(),
                scan.length(), scan.lastChecksum(), scan.problem(), scan.recordsVerified());
    }
}
