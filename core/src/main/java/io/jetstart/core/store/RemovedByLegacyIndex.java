package io.jetstart.core.store;

import io.jetstart.core.format.LegacyIndex;
import java.util.List;

/**
 * The removals a 2.9 {@code <n>.idx} records, kept where jetstart rebuilt the block from its
 * records instead of taking the {@code .idx} (a bad record in the block, an {@code .idx} that does
 * not add up, or one whose last checksum is not the block's), where nats-server 2.9 reads it.
 *
 * <p>A 2.9 removal leaves the record in place: removing the first messages only moves the
 * {@code .idx}'s first sequence, and a removal inside the range only lists it as a delete. Read
 * without the {@code .idx}, those records are whole and would be served again. 2.9.10 never serves
 * them: reading through the {@code .idx}, it goes by its range and listed deletes, and when its
 * first read of the block hits the damage, its {@code rebuildStateLocked} keeps the first sequence
 * and the delete map it read from the {@code .idx} (records below that first are skipped, listed
 * ones counted as deleted); so does the rebuild at its start when the {@code .idx}'s last checksum
 * is not the block's ({@code recoverMsgBlock}: INT1's 1.blk cut at 60000 serves 302..441 less
 * its 14 listed deletes, 126). Measured on {@code nats-2.9.10-small} (docs/format-notes.md): MAX1
 * (first 201) with a huge length in record 513 serves 201..512, INT1 (first 302) with one in
 * record 286 serves nothing, INT1 with the last 8 of its 14 listed deletes overwritten serves the
 * range less the 6 still listed. Without this, {@code dump} and {@code get} served MAX1's 1 and
 * INT1's 285 and 308 (HostileOperatorCommandsTest, seed 7 rounds 87 and 100, default seed round 88).
 *
 * <p>So does one that does not decode after its first sequence (cut short, or its counts off):
 * 2.9's {@code readIndexInfo} has set the block's first sequence before it fails, and the rebuild
 * keeps it (no delete: the list is read last). INT1 with its {@code 1.idx} cut in the checksum or
 * with {@code msgs} off by one: 2.9.10 restores 699 (302..1000), with a bad magic 1,000
 * ({@link io.jetstart.core.format.LegacyIndexCodec#firstSeqBeforeFailure}).
 *
 * <p>The warning carries {@link ServerAction#NONE} on the {@code .idx}: a repair keeps that file
 * (removed, 2.9 would rebuild the block from its records and serve those messages again), and
 * after a cut it no longer ends in the block's checksum, which 2.9 rebuilds under, keeping them.
 *
 * <p>Only the deletes Go's reader would list are taken ({@link LegacyIndex#deleted()}, cut short
 * where the list is unreadable), so a delete lost with the damage is served, as 2.9.10 serves it.
 */
final class RemovedByLegacyIndex {
    private RemovedByLegacyIndex() {
    }

    /** Removes from block {@code index} (if kept) every message below the {@code .idx}'s first or listed as deleted. */
    static void apply(StreamStore s, long index, LegacyIndex idx) throws StoreException, InterruptedException {
        BlockState block = null;
        for (BlockState b : s.blocks) {
            if (b.index == index && b.file != null) {
                block = b;
            }
        }
        if (block == null || block.msgs == 0) {
            return;
        }
        long removed = s.remove(List.of(block), (seq, ts, subject, rl) ->
                seq < idx.firstSeq() || idx.deleted().contains(seq) ? StreamStore.Decision.REMOVE : StreamStore.Decision.KEEP);
        if (removed > 0) {
            s.problems.add(Problem.warning(block.file.resolveSibling(index + ".idx"), removed + " record(s) of " + block.file.getFileName()
                    + " that this .idx removed (below its first sequence " + idx.firstSeq() + ", or listed as deleted) are not"
                    + " served, as nats-server 2.9 does not serve them; the .idx is kept (2.9 reads its removals even where"
                    + " it no longer ends in the block's checksum)").with(ServerAction.NONE));
        }
    }
}
