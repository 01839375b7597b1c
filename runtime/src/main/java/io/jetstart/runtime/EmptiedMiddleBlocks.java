package io.jetstart.runtime;

import io.jetstart.core.format.Records;
import io.jetstart.core.store.BlockTombstones;
import io.jetstart.core.store.StreamMutator;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which emptied blocks between a stream's first block and its tail may go now, for the stream's
 * writer (nats-server's {@code removeMsg} → {@code isEmpty} → {@code removeMsgBlock} for a block
 * that is not the last). The first block is the front removal's ({@link BlockReclaimer}).
 *
 * <p>Design note: a block's tombstones may be all that removes, in a rebuild without
 * {@code index.db}, messages whose records an earlier block still holds. nats-server keeps a block
 * that holds any tombstone of a sequence from the stream's first up to its own first message
 * ({@code numPriorTombsLocked}), whether the block that held that message is still there or not.
 * Here a block goes when none of its tombstones names a record an earlier block file that stays
 * may hold (its records lie in [{@link StreamMutator.BlockSpan#recordsFrom}, its last]); blocks are looked at in index order,
 * so one whose tombstones name only blocks that go in the same pass goes too (the files go lowest
 * first: a kill between two leaves the later one, tombstones included). That alone would keep
 * almost everything behind a message that stays: a block kept for its tombstones keeps its own dead
 * message records, whose tombstones are in the next block, which is then kept, and so on (a work
 * queue's first message never acked, a KV key never rewritten). So the tombstones a block must not
 * lose are copied into the tail first, when the tail holds a message record (a copy never makes a
 * block of tombstones only, which would start nats-server 2.10's rebuild at its lowest tombstone +
 * 1) and they fit without rolling; then the block goes too. The copies name the same sequences
 * with the same times; a second tombstone of a removed message changes nothing for any reader.
 * They are written again when the block that holds them empties, so what is copied at each
 * removal is bounded by the dead records of the blocks that stay before it.
 *
 * <p>A block holding the stream's last sequence stays (its record tells a rebuild the last
 * sequence), as does any block after a block file the state does not hold (a stray: what it holds
 * is not known) and a block whose records do not parse.
 */
final class EmptiedMiddleBlocks {
    /** Tombstones of the candidates read so far and still held, by block index: read once each. */
    private final Map<Long, BlockTombstones> read = new HashMap<>();
    /** What decided the last pass that removed nothing, or null. */
    private long[] blockedAt;

    /**
     * What a pass decided: the blocks that go (ascending) and the tombstones to copy into the
     * tail before (sequences and times, index for index).
     */
    record Plan(long[] gone, long[] copySeqs, long[] copyTimes) {
        static final Plan NONE = new Plan(new long[0], new long[0], new long[0]);

        boolean isEmpty() {
            return gone.length == 0;
        }
    }

    /**
     * The blocks that may go now and the tombstones to copy first.
     *
     * @param strays    block files below the tail the state does not hold, ascending
     * @param copyRoom  bytes the tail can take without rolling, 0 when it must take none
     * @param tailIndex the tail's index (part of what decides, for the memo)
     */
    Plan plan(StreamMutator state, long[] strays, long copyRoom, long tailIndex) throws InterruptedException {
        int emptied = state.emptiedMiddleBlocks();
        if (emptied == 0) {
            return Plan.NONE;
        }
        long[] key = {state.blockCount(), emptied, state.firstBlockIndex(), tailIndex, copyRoom > 0 ? 1 : 0, strays.length};
        if (Arrays.equals(key, blockedAt)) {
            // Nothing that decides changed since a pass found nothing to remove: no block list
            // made, no block read (a block kept for good, say one that does not parse, costs a
            // count of the blocks per batch).
            return Plan.NONE;
        }
        List<StreamMutator.BlockSpan> spans = state.blocks();
        int n = spans.size();
        long lowestStray = strays.length > 0 ? strays[0] : Long.MAX_VALUE;
        // The earlier blocks that stay, as ranges of sequences their records may have (ascending).
        long[] keptFrom = new long[n];
        long[] keptTo = new long[n];
        int kept = 0;
        long[] gone = new long[n];
        int g = 0;
        long[] copySeqs = new long[16];
        long[] copyTimes = new long[16];
        int c = 0;
        long room = copyRoom;
        for (int j = 0; j < n - 1; j++) {
            StreamMutator.BlockSpan b = spans.get(j);
            boolean candidate = j > 0 && b.messages() == 0 && !b.recordsPastDamage() && b.lastSeq() < state.lastSeq()
                    && b.index() < lowestStray;
            BlockTombstones t = null;
            if (candidate) {
                t = read.get(b.index());
                if (t == null) {
                    t = state.tombstonesOf(b.index());
                    if (t != null) {
                        read.put(b.index(), t);
                    }
                }
            }
            if (t == null) {
                keptFrom[kept] = b.recordsFrom();
                keptTo[kept] = b.lastSeq();
                kept++;
                continue;
            }
            int neededFrom = c;
            boolean fits = true;
            for (int i = 0; i < t.size(); i++) {
                long seq = t.seqs()[i];
                if (!heldBy(keptFrom, keptTo, kept, seq)) {
                    continue;
                }
                if (room < Records.EMPTY_RECORD_LENGTH) {
                    fits = false;
                    break;
                }
                room -= Records.EMPTY_RECORD_LENGTH;
                if (c == copySeqs.length) {
                    copySeqs = Arrays.copyOf(copySeqs, c * 2);
                    copyTimes = Arrays.copyOf(copyTimes, c * 2);
                }
                copySeqs[c] = seq;
                copyTimes[c] = t.timestamps()[i];
                c++;
            }
            if (!fits) {
                // Stays: its copies are taken back, and its records count for the blocks after it.
                room += (long) (c - neededFrom) * Records.EMPTY_RECORD_LENGTH;
                c = neededFrom;
                keptFrom[kept] = b.recordsFrom();
                keptTo[kept] = b.lastSeq();
                kept++;
                continue;
            }
            gone[g++] = b.index();
        }
        if (g == 0) {
            blockedAt = key;
            return Plan.NONE;
        }
        blockedAt = null;
        return new Plan(Arrays.copyOf(gone, g), Arrays.copyOf(copySeqs, c), Arrays.copyOf(copyTimes, c));
    }

    /** Forgets what was read of blocks that went. */
    void removed(long[] gone) {
        for (long index : gone) {
            read.remove(index);
        }
    }

    /** Whether one of the first {@code kept} ranges (ascending, disjoint) holds {@code seq}. */
    private static boolean heldBy(long[] from, long[] to, int kept, long seq) {
        int lo = 0;
        int hi = kept;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (to[mid] < seq) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < kept && from[lo] <= seq;
    }
}
