package io.jetstart.core.format;

import java.util.Arrays;

/**
 * The highest sequence of the records a block still holds past its damage. A scan stops at the first
 * bad record, as nats-server's does (it truncates the block there); the records after it are whole
 * messages nobody counts, so a block that holds some must never be removed as emptied, nor its
 * sequences reused.
 *
 * <p>Design note: only records whose checksum verifies count, so a flip cannot invent a sequence. The
 * walk steps over a damaged record by its own length when that length is plausible, and where that
 * leads to no verified record (a flipped length) looks for the next one byte by byte, up to 1 MiB; it
 * gives up at a cut. Each step copies what is left of the block (the scanner reads a
 * block from its start), so only the first few damaged records are stepped over: a garbage block would
 * otherwise cost a copy per record.
 */
public final class RecordsPastDamage {
    /** Damaged records stepped over at most: one bit flip or cut damages one. */
    private static final int MAX_STEPS = 8;
    /**
     * How far past a damaged record whose length leads nowhere the next verified record is looked
     * for: a flipped low bit of a length moves it by little; a sanity check per byte, a hash only
     * for a plausible header.
     */
    private static final int RESYNC_BYTES = 1 << 20;

    private RecordsPastDamage() {
    }

    /**
     * The highest sequence of a verified record after {@code scan}'s damage in {@code buf[0, len)}
     * (plaintext, decompressed), or 0 when none is found or {@code scan} found no damage.
     *
     * @param scanner a scanner of the block's stream (its subject counts are overwritten)
     */
    public static long highestSeq(BlockScanner scanner, long blockIndex, byte[] buf, int len, BlockScan scan) {
        if (scan.problem() == null) {
            return 0;
        }
        long highest = 0;
        long at = scan.problem().offset();
        for (int step = 0; step < MAX_STEPS && at >= 0 && at + Records.EMPTY_RECORD_LENGTH <= len; step++) {
            int off = (int) at;
            long rl = LittleEndian.u32(buf, off) & 0x7fff_ffffL;
            int from = -1;
            BlockScan after = null;
            if (rl >= Records.EMPTY_RECORD_LENGTH && rl <= len - at) {
                from = (int) (at + rl);
                after = scanFrom(scanner, blockIndex, buf, from, len);
            }
            if (after == null || after.recordsVerified() == 0) {
                // Its own length leads nowhere (a flipped length): the next record whose checksum
                // verifies, looked for byte by byte up to RESYNC_BYTES past the damage.
                from = scanner.nextVerifiedRecord(blockIndex, buf, off + 1, (int) Math.min(len, at + RESYNC_BYTES), len);
                if (from < 0) {
                    break;
                }
                after = scanFrom(scanner, blockIndex, buf, from, len);
            }
            if (after.recordsVerified() > 0) {
                highest = Math.max(highest, after.lastSeq());
            }
            if (after.problem() == null) {
                break;
            }
            at = from + after.problem().offset();
        }
        return highest;
    }

    private static BlockScan scanFrom(BlockScanner scanner, long blockIndex, byte[] buf, int from, int len) {
        byte[] rest = Arrays.copyOfRange(buf, from, len);
        return scanner.scan(blockIndex, rest, rest.length);
    }
}
