package io.jetstart.runtime;

import io.jetstart.core.store.RebuildFloor;
import io.jetstart.core.store.StartUpRemovals;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamMutator;
import io.jetstart.core.store.StreamStore;
import java.io.IOException;

/**
 * Makes what recovery removed at the open last, for a stream's writer ({@link
 * WriterLoop#tombstoneStartUpRemovals}), before its first operation, on the thread that hands the
 * stream over (the writer's thread is not started yet): the retention limits' removals at the open and the start-up interest sweep's. nats-server's
 * start-up check ({@code checkStateForInterestStream}, then {@code removeMsg}) writes a tombstone
 * for each message it removes; its limits at the open write none, and neither did the runtime's:
 * the removals lived only in memory and {@code index.db}, and a rescan without it brought them
 * back when it did not take the same decision: 2.9.10's INT1 with an unusable {@code 1.idx}
 * (14, once the runtime's {@code index.db} v1 had made it a 2.10 store;
 * UnusableLegacyIndexInterestTest), or a limit raised after the open (2.10.27's MAX1 without its
 * {@code index.db}: 200; StartUpLimitsRemovalsTest).
 *
 * <p>In this order: a tombstone for each removal in a block that keeps a live message (its
 * timestamp read again from its record, {@link #tombstoneKeptRemovals}); then the emptied blocks
 * between the first live block and the tail go, their files removed before any {@code index.db}
 * is written ({@code removeEmptiedMiddleBlocksFirst}), and those of them that stay get a
 * tombstone for each of their message records, read again; then the first blocks go as a
 * batch's emptied blocks go ({@link BlockReclaim#reclaim}: the tail synced, {@code index.db} written
 * first, since none written by this writer is on disk yet, then the files, lowest first, and the
 * directory synced); a first block that stays (a block a rebuild of 2.10 needs, one with records
 * past damage) gets its tombstones then. So a stream whose {@code max_age} passed while the store
 * was closed loses its files, not millions of tombstones' worth of disk. A crash before the end
 * leaves the blocks (or some) and the old {@code index.db} (stale once a middle file went): no
 * operation has been taken yet, so the next open takes the same decisions on the same files and
 * config ({@code max_age} takes as much or more), and removes them again; or it leaves the
 * {@code index.db} written for the first blocks, which leaves out the files still there below
 * its first block: the next hand-over removes them first ({@link StreamMutator#blockFilesBelowFirst}).
 * No {@code index.db} names a block between the first and the tail empty while its file holds
 * records without a tombstone: until 2026-12-07 one did, written before those files went, and
 * a kill between, a reopen (which adopted it and left the files), an update raising the limit,
 * a kill and an {@code index.db} lost brought their messages back (StartUpRemovalsKillTest).
 * Tombstones reach the disk with the next write or sync, before any later operation's records.
 * A block that cannot be written (a roll on a full disk) stops the stream's writes, as any write
 * error does, and no {@code index.db} is written without them.
 */
final class HandOverRemovals {
    private final StreamMutator state;
    private final WriterTail tail;
    private final IndexDbWriter indexDb;
    private final BlockReclaim reclaim;

    HandOverRemovals(StreamMutator state, WriterTail tail, IndexDbWriter indexDb, BlockReclaim reclaim) {
        this.state = state;
        this.tail = tail;
        this.indexDb = indexDb;
        this.reclaim = reclaim;
    }

    /**
     * Makes {@code removed} last, in the order above. An error leaves the stream to its writer,
     * which stops its writes for it.
     *
     * @param eachStep runs after each {@code index.db} written or removed and each block's files
     *                 removed, where a kill -9 leaves what the files then hold (a test seam; may be null)
     */
    void make(StartUpRemovals removed, Runnable eachStep) throws IOException, StoreException, InterruptedException {
        long tailAtStart = tail.current().index;
        int tailLengthAtStart = tail.current().length();
        tombstoneKeptRemovals(removed);
        // Block files below the first that index.db leaves out: maybe blocks a kill kept from
        // going at the last hand-over, after its index.db named them empty; their messages have
        // no tombstone, so they go before any operation too (a rebuild reads them).
        if (removed.emptiedBlocks() > 0 || state.blockFilesBelowFirst()) {
            if (state.messages() == 0 && tail.current().length() > 0 && emptied(removed, tail.current().index)) {
                // The stream's one block, emptied (a small stream whose max_age passed while
                // closed): sealed, so the emptied-stream rule below lets it go behind the last
                // sequence's tombstone, rather than a tombstone for each of its messages.
                tail.roll();
            }
            tail.current().flush();
            long firstLive = firstLiveBlock();
            // Before any index.db: one that names these blocks empty while their files still
            // hold their records without a tombstone is what a kill must never leave, since a
            // reopen adopts it and a rebuild after a raised limit reads those records again.
            removeEmptiedMiddleBlocksFirst(tailAtStart, tailLengthAtStart, eachStep);
            tombstoneEmptiedBlocks(removed, firstLive, true);
            reclaim.reclaim(true, eachStep);
            tombstoneEmptiedBlocks(removed, firstLive, false);
        }
    }

    /** The index of the first block holding a live message, {@link Long#MAX_VALUE} when none does. */
    private long firstLiveBlock() {
        for (StreamMutator.BlockSpan b : state.blocks()) {
            if (b.messages() > 0) {
                return b.index();
            }
        }
        return Long.MAX_VALUE;
    }

    /**
     * A tombstone for each message record of the blocks the open's removals emptied that the
     * writer keeps: those after the first live block ({@code middle}: the tail, one a middle pass
     * could not let go) before any {@code index.db} names them empty, the others (below the first
     * live block, which a reopen's hand-over removes when an {@code index.db} left them out) after
     * the first blocks went.
     */
    private void tombstoneEmptiedBlocks(StartUpRemovals removed, long firstLive, boolean middle)
            throws IOException, StoreException, InterruptedException {
        for (int i = 0; i < removed.emptiedBlocks(); i++) {
            long index = removed.emptiedBlock(i);
            if ((index > firstLive) != middle || !state.hasBlock(index)) {
                continue;
            }
            // Collected first: tombstones may roll the tail, which adds a block.
            DeadRecords dead = new DeadRecords();
            state.deadMessagesOf(index, dead);
            if (dead.size > 0 && tail.current().length() > 0 && tail.current().rebuildFloor() != RebuildFloor.NONE) {
                // A tail of tombstones only (the emptied stream's anchor): lower ones
                // there would start it below this block in 2.10.27's rebuild; a new
                // block begins with a skip of the last sequence instead (WriterTail.tombstone).
                tail.roll();
            }
            for (int j = 0; j < dead.size; j++) {
                tail.tombstone(dead.seqs[j], dead.times[j]);
            }
        }
    }

    /**
     * The hand-over's pass over the emptied blocks between the first and the tail ({@link
     * BlockReclaim#reclaim}), with their files removed before any {@code index.db} is written: the
     * batches' pass writes {@code index.db} first when the one on disk may name them as its last
     * block, and at the hand-over the writer cannot tell, so it wrote it each time, naming them
     * empty while their records had no tombstone; a kill before their files went left that window
     * (issue 11). Here the {@code index.db} on disk is the one the open found, or none. It is made
     * stale for every reader before a file goes: the tail has taken a record since the open (a
     * tombstone of the removals, a copy, or else the tombstone of a removed message of the first
     * block that goes), synced, so its last checksum is not the one that {@code index.db} holds
     * (2.10.27 and 2.15.1 then rebuild, "last block has additional entries", as jetstart does), and
     * a block file it names that is gone makes 2.15.1 rebuild too ("could not locate msg block").
     * A kill after any file went leaves blocks that a rebuild reads: the gone ones' records are
     * gone, the others' are read again and the same limits at the open take them again.
     */
    private void removeEmptiedMiddleBlocksFirst(long tailAtStart, int tailLengthAtStart, Runnable eachStep)
            throws IOException, StoreException, InterruptedException {
        if (state.emptiedMiddleBlocks() == 0) {
            return;
        }
        EmptiedMiddleBlocks.Plan plan = reclaim.planMiddle();
        if (plan.isEmpty()) {
            return;
        }
        for (int i = 0; i < plan.copySeqs().length; i++) {
            tail.current().appendTombstone(plan.copySeqs()[i], plan.copyTimes()[i]);
        }
        if (tail.current().index == tailAtStart && tail.current().length() == tailLengthAtStart) {
            DeadRecords dead = new DeadRecords();
            for (int i = 0; i < plan.gone().length && dead.size == 0; i++) {
                state.deadMessagesOf(plan.gone()[i], dead);
            }
            if (dead.size > 0) {
                tail.tombstone(dead.seqs[dead.size - 1], dead.times[dead.size - 1]);
            }
        }
        tail.current().flush();
        tail.current().sync();
        tail.publishView();
        // The open's index.db may name one of them as its last block (written while it was the
        // tail; later blocks were written and a kill came before the next index.db). With that file
        // gone, 2.10.27 and 2.15.1 declare its messages lost data ("could not locate msg block")
        // before they rebuild: messages the limits removed. It goes first, so both rebuild from the
        // blocks, as after a kill before the file went (StartUpLimitsOnServerIT).
        if (indexDb.removeIfLastIn(plan.gone())) {
            if (eachStep != null) {
                eachStep.run();
            }
        }
        reclaim.removeMiddle(plan.gone(), eachStep);
    }

    /**
     * A tombstone for each removal at the open in a block that keeps a live message, with the
     * removed message's timestamp read again from its record (recovery kept the sequences only,
     * {@link StartUpRemovals}): each block that holds one is read once, lowest first, and its
     * removals are tombstoned in file order, which is the order the limits' and the sweep's walks
     * removed them in when one walk took them all (several walks over one block gave their runs one
     * after the other before; the same tombstones now come ascending).
     */
    private void tombstoneKeptRemovals(StartUpRemovals removed) throws StoreException, InterruptedException {
        if (removed.size() == 0) {
            return;
        }
        for (StreamMutator.BlockSpan b : state.blocks()) {
            if (!removed.anyIn(b.recordsFrom(), b.lastSeq())) {
                continue;
            }
            // Collected first: tombstones may roll the tail, which this may be.
            DeadRecords dead = new DeadRecords(removed);
            state.deadMessagesOf(b.index(), dead);
            for (int j = 0; j < dead.size; j++) {
                if (removed.written(dead.seqs[j])) {
                    tail.tombstone(dead.seqs[j], dead.times[j]);
                }
            }
        }
        if (removed.size() > 0) {
            // A removal whose record a second read did not meet (it cannot: the store is locked and
            // the same reader walks the same bytes) still gets its tombstone, at the time of the
            // stream's last message: readers take only the sequence from it.
            long lastTs = state.lastTs();
            removed.forEach(seq -> tail.tombstone(seq, lastTs));
        }
    }

    private static boolean emptied(StartUpRemovals removed, long index) {
        for (int i = 0; i < removed.emptiedBlocks(); i++) {
            if (removed.emptiedBlock(i) == index) {
                return true;
            }
        }
        return false;
    }

    /** The dead message records of one block, in file order: at most the block's records. */
    private static final class DeadRecords implements StreamStore.RemovalSink {
        /** Only the records of these, when not null. */
        private final StartUpRemovals only;
        long[] seqs = new long[16];
        long[] times = new long[16];
        int size;

        DeadRecords() {
            this(null);
        }

        DeadRecords(StartUpRemovals only) {
            this.only = only;
        }

        @Override
        public void removed(long seq, long ts, String subject, int rawLength) {
            if (only != null && !only.contains(seq)) {
                return;
            }
            if (size == seqs.length) {
                seqs = java.util.Arrays.copyOf(seqs, size * 2);
                times = java.util.Arrays.copyOf(times, size * 2);
            }
            seqs[size] = seq;
            times[size] = ts;
            size++;
        }
    }
}
