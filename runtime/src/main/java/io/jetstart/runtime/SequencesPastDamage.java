package io.jetstart.runtime;

import io.jetstart.core.format.BlockScan;
import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.format.Records;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.LegacyIndex;
import io.jetstart.core.format.LegacyIndexCodec;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.io.DiskGate;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The highest sequence a last block still holds past its damage: the writer starts a new block after
 * such a block (never appending after damage), and its first sequence must be above every one the
 * old block holds, or a message would reuse a sequence nats-server (or a later repair) can still find
 * there. A state rebuilt without an index stops at the damage (nats-server 2.9's {@code .idx} and a
 * 2.10 store whose {@code index.db} was removed give nothing else), so the records past it are read
 * here.
 *
 * <p>Design note: only records whose checksum verifies count, so a flip cannot invent a sequence. The
 * walk steps over a damaged record by its own length when that length is plausible, and gives up
 * where it is not (a flipped length, a cut). A 2.9 block's {@code .idx} (no checksum) says where the
 * block ended when it was written, so a cut tail is known too; it is taken only when it describes
 * this block (its first sequence among the block's records) and a range a block can hold, so a flip
 * there cannot move the stream's sequences far.
 */
final class SequencesPastDamage {
    /** Damaged records stepped over at most: one bit flip or cut damages one. */
    private static final int MAX_STEPS = 8;
    /** Beyond this a 2.9 {@code .idx} is not read (recovery's own bound). */
    private static final long MAX_LEGACY_INDEX_BYTES = 64L << 20;

    private SequencesPastDamage() {
    }

    /**
     * The highest sequence of a verified record after {@code scan}'s damage in {@code buf[0, len)}, or
     * 0 when none is found.
     */
    static long highest(String stream, long index, byte[] buf, int len, BlockScan scan, RecordHashSource hashes) {
        long highest = 0;
        long at = scan.problem() == null ? len : scan.problem().offset();
        BlockScanner scanner = new BlockScanner(stream, hashes);
        // Each step copies what is left of the block: a block damaged in many places would cost a
        // copy per damaged record (a hang on a garbage block), so only the first few are stepped over.
        for (int step = 0; step < MAX_STEPS && at >= 0 && at + Records.EMPTY_RECORD_LENGTH <= len; step++) {
            int off = (int) at;
            long rl = (buf[off] & 0xffL) | (buf[off + 1] & 0xffL) << 8 | (buf[off + 2] & 0xffL) << 16 | (buf[off + 3] & 0x7fL) << 24;
            if (rl < Records.EMPTY_RECORD_LENGTH || rl > len - at) {
                break;
            }
            int from = (int) (at + rl);
            // A copy, bounded by the block already in memory: the scanner reads a block from its start.
            byte[] rest = Arrays.copyOfRange(buf, from, len);
            BlockScan after = scanner.scan(index, rest, rest.length);
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

    /**
     * The last sequence of the 2.9 {@code .idx} beside the block, or 0 when there is none, it does not
     * decode, or it does not describe the block {@code scan} read (a first sequence outside it, a range
     * wider than a block's records can be).
     */
    static long fromLegacyIndex(Path idx, BlockScan scan, DiskGate gate) throws InterruptedException {
        LegacyIndex li;
        try {
            li = LegacyIndexCodec.decode(BlockFiles.readSmallFile(idx, MAX_LEGACY_INDEX_BYTES, gate));
        } catch (IOException | FormatException e) {
            // None, unreadable or not an .idx: it tells nothing, and the block's own records decide.
            return 0;
        }
        long span = li.lastSeq() - li.firstSeq();
        // 2.9 removed records in place: the index's first may be above the block's first record.
        boolean sameBlock = scan.msgs() > 0 && li.firstSeq() >= scan.firstSeq() && li.firstSeq() <= scan.lastSeq() + 1;
        return sameBlock && span >= 0 && span < BlockBuffers.MAX_BLOCK_BYTES / Records.EMPTY_RECORD_LENGTH ? li.lastSeq() : 0;
    }
}
