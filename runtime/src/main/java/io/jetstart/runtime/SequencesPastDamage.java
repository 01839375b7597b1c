package io.jetstart.runtime;

import io.jetstart.core.crypto.BlockKeystream;
import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.format.BlockScan;
import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.LegacyIndex;
import io.jetstart.core.format.LegacyIndexCodec;
import io.jetstart.core.format.Records;
import io.jetstart.core.format.RecordsPastDamage;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.io.DiskGate;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The highest sequence a last block still holds past its damage: the writer starts a new block after
 * such a block (never appending after damage), and its first sequence must be above every one the
 * old block holds, or a message would reuse a sequence nats-server (or a later repair) can still find
 * there. A state rebuilt without an index stops at the damage (nats-server 2.9's {@code .idx} and a
 * 2.10 store whose {@code index.db} was removed give nothing else), so the records past it are read
 * here.
 *
 * <p>Design note: only records whose checksum verifies count ({@link RecordsPastDamage}), so a flip
 * cannot invent a sequence. A 2.9 block's {@code .idx} (no checksum) says where the block ended
 * when it was written, so a cut tail is known too; it is taken only when it describes this block
 * (its first sequence at or after the block's first record, which holds any record: the cut may have
 * left none of its live ones) and a range a block can hold, so a flip there cannot move the stream's
 * sequences far.
 */
final class SequencesPastDamage {
    /** Beyond this a 2.9 {@code .idx} is not read (recovery's own bound). */
    private static final long MAX_LEGACY_INDEX_BYTES = 64L << 20;

    private SequencesPastDamage() {
    }

    /**
     * The highest sequence of a verified record after {@code scan}'s damage in {@code buf[0, len)}, or
     * 0 when none is found ({@link RecordsPastDamage}).
     */
    static long highest(String stream, long index, byte[] buf, int len, BlockScan scan, RecordHashSource hashes) {
        return RecordsPastDamage.highestSeq(new BlockScanner(stream, hashes), index, buf, len, scan);
    }

    /**
     * The last sequence of the 2.9 {@code .idx} beside the block, or 0 when there is none, it does not
     * decode, or it does not describe the block {@code scan} read (a first sequence outside it, a range
     * wider than a block's records can be).
     *
     * @param sealedBy the block's keys when it is encrypted (2.9 sealed its {@code .idx} with them), else null
     */
    static long fromLegacyIndex(Path idx, BlockKeystream sealedBy, BlockScan scan, DiskGate gate) throws InterruptedException {
        LegacyIndex li;
        try {
            byte[] bytes = BlockFiles.readSmallFile(idx, MAX_LEGACY_INDEX_BYTES, gate);
            li = LegacyIndexCodec.decode(sealedBy == null ? bytes : sealedBy.openLegacyIndex(idx, bytes));
        } catch (IOException | FormatException | DecryptionException e) {
            // None, unreadable, not an .idx, or sealed and not opening with its block's keys: it tells
            // nothing, and the block's own records decide.
            return 0;
        }
        long span = li.lastSeq() - li.firstSeq();
        // 2.9 removed records in place: the index's first may be above every record the cut left.
        boolean sameBlock = scan.msgs() > 0 && li.firstSeq() >= scan.firstSeq();
        return sameBlock && span >= 0 && span < BlockBuffers.MAX_BLOCK_BYTES / Records.EMPTY_RECORD_LENGTH ? li.lastSeq() : 0;
    }
}
