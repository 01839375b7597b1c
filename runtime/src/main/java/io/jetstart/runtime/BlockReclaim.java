package io.jetstart.runtime;

import io.jetstart.core.store.RebuildFloor;
import io.jetstart.core.store.Source;
import io.jetstart.core.store.StreamMutator;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Gives back the disk space of a stream's blocks whose messages are gone, for its writer, on the
 * writer's thread: the emptied first blocks, the emptied blocks between the first and the tail
 * ({@link EmptiedMiddleBlocks} decides which), and the sealed blocks mostly dead ({@link
 * BlockCompactor}). This decides when and in what order against the tail's sync, the published view
 * and {@code index.db} ({@link #reclaim}); {@link BlockReclaimer} removes the files.
 */
final class BlockReclaim {
    /** A pass over emptied middle blocks waits for this many of them, or for {@link #MIDDLE_PASS_BYTES} of block size. */
    private static final int MIDDLE_PASS_BLOCKS = 4;
    private static final long MIDDLE_PASS_BYTES = 1 << 20;
    private final StreamMutator state;
    private final WriterTail tail;
    private final IndexDbWriter indexDb;
    private final int blockSize;
    private final BlockReclaimer reclaimer;
    private final EmptiedMiddleBlocks middle = new EmptiedMiddleBlocks();
    private final BlockCompactor compactor;
    /** {@link RebuildFloor} of sealed blocks, by index: kept when the tail rolls past them, or read once. */
    private final Map<Long, Long> floors = new HashMap<>();
    /** Whether the strays below the first block were looked for (once per writer). */
    private boolean straysLookedFor;
    /** What the last look for blocks to remove saw when it found none to remove, or null. */
    private long[] blockedAt;
    /**
     * Test seam: runs on the writer's thread after emptied blocks' files were removed and before
     * any later write, where a kill -9 leaves the {@code index.db} written before the removal (a
     * test copies the store there). Null in service.
     */
    private volatile Runnable afterBlocksRemoved;

    BlockReclaim(StreamMutator state, WriterTail tail, IndexDbWriter indexDb, int blockSize) {
        this.state = state;
        this.tail = tail;
        this.indexDb = indexDb;
        this.blockSize = blockSize;
        this.reclaimer = new BlockReclaimer(state.msgsDir(), state.store().source() == Source.INDEX);
        this.compactor = new BlockCompactor(state.msgsDir());
    }

    /** {@link #reclaim(boolean, Runnable)} outside a flush or the close: emptied middle blocks wait for a few. */
    boolean reclaim() throws IOException, InterruptedException {
        return reclaim(false, null);
    }

    /** {@link #reclaim(boolean, Runnable)} with nothing to run after each step. */
    boolean reclaim(boolean flushing) throws IOException, InterruptedException {
        return reclaim(flushing, null);
    }

    /**
     * Removes the files of the first blocks that hold no live message any more, the removals of this
     * batch (or of an earlier one) having emptied them; never the tail. In this order:
     *
     * <ol>
     *   <li>(a) the tail is synced: the tombstones that emptied them are durable (every sealed block
     *       was synced when the tail rolled past it). A block must not go before its removals are
     *       on disk: a crash would otherwise keep the rest of the batch's removals undone while
     *       this block's are done, a state that never was;</li>
     *   <li>a view without their messages is published, so a reader that meets a removed file has a
     *       newer view to read again ({@link StreamReads});</li>
     *   <li>when the {@code index.db} on disk may name one of them as its last block (the one
     *       recovery found, or one written before the tail rolled past them), it is written first,
     *       naming them empty: after a crash that file's last block is then still there, and jetstart
     *       and nats-server (2.10.27 and 2.15.1, {@code recoverFullState}) drop an empty block of
     *       {@code index.db} without looking for its file. An older {@code index.db} that names
     *       them with messages has a last block that has grown since (or blocks after it), which both
     *       see as stale before they look for files: they rebuild from the blocks that are there;</li>
     *   <li>(b) their files go, lowest first ({@link BlockReclaimer}), and the directory is synced;</li>
     *   <li>(c) the next {@code index.db} (a flush, the sync interval, the close) leaves them out.</li>
     * </ol>
     *
     * A crash after (b) leaves the {@code index.db} of the third step, or an older one whose last
     * block is still there: recovery comes back to the state after the removals either way, with
     * nothing lost to report and nothing resurrected (BlockReclaimTest copies the store after (b)).
     * No {@code index.db} is written after (b) for it: the one before names the blocks empty, which
     * every reader drops, and an older one is stale; so a removal costs one {@code index.db} at
     * most, with a sync of the tail and of the directory (docs/benchmarks-passes.md).
     *
     * <p>Two rules keep nats-server 2.10.27's rebuild without {@code index.db} right, which takes
     * the last sequence from the records and the first from the lowest block ({@link RebuildFloor}):
     * an empty stream first gets a block whose only record is a tombstone of its last sequence (as
     * the writer's purge beyond the last writes and the server's {@code removeMsgBlock} does for its
     * last block), so that every earlier block can go; and the cut is never put where a block that
     * stays holds tombstones only, the lowest of them below the first block that stays.
     *
     * <p>Then the emptied blocks between the first and the tail, in the same order
     * ({@link #reclaimMiddleBlocks}).
     *
     * @param flushing a flush or the close, after which every emptied middle block is looked at
     * @param step     runs after each {@code index.db} written and each block's files removed (the
     *                 hand-over's test seam; may be null)
     * @return true when blocks went
     */
    boolean reclaim(boolean flushing, Runnable step) throws IOException, InterruptedException {
        boolean front = reclaimFrontBlocks(step);
        return reclaimMiddleBlocks(flushing, step) | front;
    }

    /** The first blocks' part of {@link #reclaim}. */
    private boolean reclaimFrontBlocks(Runnable step) throws IOException, InterruptedException {
        boolean anchored = tail.current().onlyTombstoneOf(state.lastSeq());
        long[] run = state.emptyFrontBlocks(anchored);
        // An empty stream with a block before its tail: every block can go once the tail is anchored.
        boolean anchorDue = state.messages() == 0 && !anchored && state.firstBlockIndex() != state.lastBlockIndex();
        // Strays below the first block can only be there at the start: looked for once.
        boolean firstLook = !straysLookedFor;
        straysLookedFor = true;
        if (run.length == 0 && !anchorDue && !(firstLook && reclaimer.straysMayGo())) {
            return false;
        }
        long[] blockedKey = {run.length, state.messages() == 0 ? 0 : state.firstSeq(), tail.current().rebuildFloor(),
                tail.current().index, reclaimer.removed()};
        if (Arrays.equals(blockedKey, blockedAt)) {
            // Nothing that decides the cut changed since it found nothing to remove.
            return false;
        }
        long[] strays = reclaimer.strays(state);
        List<StreamMutator.BlockSpan> spans = state.blocks();
        boolean straysBelow = strays.length > 0 && strays[0] < spans.getFirst().index() && reclaimer.straysMayGo();
        if (run.length == 0 && !straysBelow && !anchorDue) {
            return false;
        }
        if (anchorDue) {
            // Every block before the tail is empty: the last sequence's tombstone alone in a new
            // tail lets them all go (a rebuild starts such a block at last + 1, every line alike).
            if (tail.current().length() > 0) {
                tail.roll();
            }
            tail.current().appendTombstone(state.lastSeq(), state.lastTs());
            run = state.emptyFrontBlocks(true);
            spans = state.blocks();
        }
        int k = cut(spans, run.length, strays);
        if (k < 0) {
            blockedAt = blockedKey;
            return false;
        }
        blockedAt = null;
        long[] gone = Arrays.copyOf(run, k);
        long cut = spans.get(k).index();
        tail.current().flush();
        tail.current().sync();
        tail.publishView();
        if ((indexDb.lastBlock() < 0 || indexDb.lastBlock() < cut) && !indexDb.tryWrite(tail.current(), step)) {
            // The files stay (their index.db must come first); looked at again at the next pass.
            return false;
        }
        removeFrontFiles(gone, cut, step);
        state.forgetFrontBlocks(k);
        Runnable hook = afterBlocksRemoved;
        if (hook != null) {
            hook.run();
        }
        return true;
    }

    /**
     * Removes the files of the first blocks {@code gone} (ascending, all below {@code cut}, the
     * first block that stays) and of the strays below {@code cut} ({@link BlockReclaimer#remove}),
     * and forgets what was kept of them; the caller made their removals durable, and forgets them
     * in the state. A whole-block purge's too.
     *
     * @param afterEach runs after each block's files went (may be null)
     */
    void removeFrontFiles(long[] gone, long cut, Runnable afterEach) throws IOException {
        reclaimer.remove(gone, cut, afterEach);
        forget(gone);
        blockedAt = null;
    }

    /**
     * Removes the emptied blocks between the first and the tail that {@link EmptiedMiddleBlocks}
     * lets go, once {@link #MIDDLE_PASS_BLOCKS} of them or {@link #MIDDLE_PASS_BYTES} of block size
     * wait, or at a flush or the close, in the first blocks' order: the tombstones they must not take with them copied into
     * the tail, the tail synced, a view without them published, {@code index.db} first when the one
     * on disk names one of them as its last block, their files removed lowest first ({@code .blk}
     * then {@code .key}) and the directory synced. A kill after the files went leaves that
     * {@code index.db}, whose last block stays and which names them empty (every reader drops an
     * empty block of {@code index.db} without looking for its file), or an older one whose last
     * block has grown since or has blocks after it: stale to jetstart, 2.10.27 and 2.15.1, which
     * rebuild from the files there, gap included (BlockReclaimTest copies the store there).
     *
     * @return true when blocks went
     */
    private boolean reclaimMiddleBlocks(boolean flushing, Runnable step) throws IOException, InterruptedException {
        int emptied = state.emptiedMiddleBlocks();
        if (emptied == 0 || (!flushing && emptied < MIDDLE_PASS_BLOCKS && (long) emptied * blockSize < MIDDLE_PASS_BYTES)) {
            // A pass costs a sync of the tail and of the directory, and now and then an index.db:
            // with small blocks it waits for a few, or for a flush (docs/benchmarks-passes.md, "Removal
            // of emptied middle blocks": 64 KiB blocks, a pass per emptied block, +25 % wall time).
            return false;
        }
        EmptiedMiddleBlocks.Plan plan = planMiddle();
        if (plan.isEmpty()) {
            return false;
        }
        for (int i = 0; i < plan.copySeqs().length; i++) {
            tail.current().appendTombstone(plan.copySeqs()[i], plan.copyTimes()[i]);
        }
        tail.current().flush();
        tail.current().sync();
        tail.publishView();
        if ((indexDb.lastBlock() < 0 || Arrays.binarySearch(plan.gone(), indexDb.lastBlock()) >= 0)
                && !indexDb.tryWrite(tail.current(), step)) {
            // The files stay (their index.db must come first); the next pass copies the tombstones again.
            return false;
        }
        removeMiddle(plan.gone(), step);
        Runnable hook = afterBlocksRemoved;
        if (hook != null) {
            hook.run();
        }
        return true;
    }

    /** Which emptied middle blocks may go now ({@link EmptiedMiddleBlocks#plan}), with the room the tail has for copies. */
    EmptiedMiddleBlocks.Plan planMiddle() throws IOException, InterruptedException {
        TailBlock t = tail.current();
        // Copies only into a tail that holds a message record: never a block of tombstones only.
        long room = t.length() > 0 && t.rebuildFloor() == RebuildFloor.NONE ? blockSize - (long) t.length() : 0;
        return middle.plan(state, reclaimer.strays(state), Math.max(0, room), t.index);
    }

    /**
     * Removes the files of the emptied middle blocks {@code gone} (ascending), lowest first, syncs
     * the directory, and forgets them, here and in the state; the caller made the tail durable first.
     *
     * @param afterEach runs after each block's files went (may be null)
     */
    void removeMiddle(long[] gone, Runnable afterEach) throws IOException {
        reclaimer.removeBlocks(gone, afterEach);
        forget(gone);
        state.forgetBlocks(gone);
    }

    private void forget(long[] gone) {
        for (long index : gone) {
            floors.remove(index);
        }
        middle.removed(gone);
    }

    /**
     * Rewrites the sealed blocks whose live messages take less than half their plaintext
     * ({@link BlockCompactor}), right after the tail was synced (the tombstones that removed what a
     * rewrite drops are durable first) and before {@code index.db}: at the sync interval, after the
     * acks of the batches before it, and at a flush or the close, whose batch waits for it as for
     * its {@code index.db}. A view is published first, so a reader that starts now never calls a
     * dropped record live; one still on an older view reads again on the newest ({@link StreamReads}).
     * The state does not change, so {@code index.db} need not be written for it. A rewrite that
     * fails (a full disk) leaves its block as it was, whole under its name, and the stream writable,
     * as a failed compression does; the pass stops there.
     */
    void compact() throws IOException, InterruptedException {
        long[] due = compactor.due(state, reclaimer.strays(state));
        if (due.length == 0) {
            return;
        }
        tail.publishView();
        boolean compress = SealedBlockCompressor.wanted(state.config());
        for (long index : due) {
            try {
                compactor.compact(state, index, compress);
            } catch (java.nio.channels.ClosedByInterruptException | java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                // Nothing was replaced (the temp file is gone), or the rename was: either file holds
                // the same live messages. Looked at again after the next removal in it.
                return;
            }
        }
    }

    /**
     * How many of the first {@code run} blocks go, at most: the most for which the block that then
     * comes first is not undercut in 2.10's rebuild by a block after it (or a stray after it) that
     * holds tombstones only; -1 when nothing goes (no block, no stray).
     */
    private int cut(List<StreamMutator.BlockSpan> spans, int run, long[] strays) throws InterruptedException {
        int max = run;
        if (!reclaimer.straysMayGo()) {
            // A file a rebuild passed over: nothing from it on goes.
            while (max > 0 && strays.length > 0 && spans.get(max).index() > strays[0]) {
                max--;
            }
        }
        // floorAfter[k]: the lowest floor of the blocks after block k and of the strays after it.
        int n = spans.size();
        long[] floorAfter = new long[n];
        long low = RebuildFloor.NONE;
        int st = strays.length - 1;
        for (int j = n - 1; j >= 0; j--) {
            floorAfter[j] = low;
            StreamMutator.BlockSpan b = spans.get(j);
            if (b.messages() == 0) {
                low = Math.min(low, floorOf(b.index(), j == n - 1));
            }
            while (st >= 0 && strays[st] > (j == 0 ? Long.MIN_VALUE : spans.get(j - 1).index()) && strays[st] < b.index()) {
                low = Math.min(low, floorOf(strays[st], false));
                st--;
            }
        }
        for (int k = max; k >= 0; k--) {
            StreamMutator.BlockSpan first = spans.get(k);
            boolean straysGo = reclaimer.straysMayGo() && strays.length > 0 && strays[0] < first.index();
            if (k == 0 && !straysGo) {
                return -1;
            }
            long bound;
            if (first.messages() > 0) {
                bound = first.firstSeq();
            } else if (k == n - 1) {
                // The tail of an empty stream: only as the last sequence's lone tombstone.
                if (!tail.current().onlyTombstoneOf(state.lastSeq())) {
                    continue;
                }
                bound = state.lastSeq() + 1;
            } else if (floorOf(first.index(), false) == RebuildFloor.NONE) {
                // Emptied, but its message records start it at or below its last.
                bound = first.lastSeq();
            } else {
                continue;
            }
            if (floorAfter[k] >= bound) {
                return k;
            }
        }
        return -1;
    }

    /** {@link RebuildFloor} of block {@code index}: the tail's from memory, a sealed one's kept or read once. */
    long floorOf(long index, boolean isTail) throws InterruptedException {
        if (isTail) {
            return tail.current().rebuildFloor();
        }
        Long f = floors.get(index);
        if (f == null) {
            f = state.rebuildFloor(index);
            floors.put(index, f);
        }
        return f;
    }

    /** The tail rolled past block {@code index}, whose {@link RebuildFloor} is {@code floor}: kept for {@link #floorOf}. */
    void sealed(long index, long floor) {
        floors.put(index, floor);
    }

    /** Block files below the tail that the state does not hold, ascending ({@link BlockReclaimer#strays}). */
    long[] strays() throws IOException {
        return reclaimer.strays(state);
    }

    /** Whether strays may go ({@link BlockReclaimer#straysMayGo}). */
    boolean straysMayGo() {
        return reclaimer.straysMayGo();
    }

    /** Test seam: {@code hook} runs right after emptied blocks' files were removed, before any later write. */
    void afterBlocksRemoved(Runnable hook) {
        afterBlocksRemoved = hook;
    }

    /** Block files removed since the writer started (strays included). */
    long blocksRemoved() {
        return reclaimer.removed();
    }

    /** Test seam: {@code hook} runs after each step of a block's rewrite. */
    void afterCompactionStep(java.util.function.Consumer<BlockCompactor.Step> hook) {
        compactor.afterStep(hook);
    }

    /** Blocks rewritten by compaction since the writer started. */
    long blocksCompacted() {
        return compactor.rewritten();
    }
}
