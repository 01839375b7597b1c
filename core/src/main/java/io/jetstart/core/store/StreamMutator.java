package io.jetstart.core.store;

import io.jetstart.core.format.IndexDb;
import io.jetstart.core.format.SequenceSet;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.meta.StreamConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * The only way to change a stream once recovery has handed it over ({@link StreamStore#handOver}):
 * held by the stream's writer, used from the writer's thread only. It changes the in-memory state
 * after the writer has laid out the matching records; it writes no file itself.
 *
 * <p>Every removal goes through a {@link StreamStore.RemovalSink} so the writer can write the
 * tombstone the removal needs: a store written this way loses nothing and resurrects nothing when
 * its {@code index.db} is lost.
 */
public final class StreamMutator {
    private final StreamStore s;
    /** The views of blocks no batch changed since the last publication, reused as they are. */
    private final Map<BlockState, StreamView.Block> published = new HashMap<>();
    /** The runtime's block cache, told of blocks that go; null when single removals walk the blocks. */
    private BlockSource sealedSource;

    /** What recovery's start-up sweep removed, until the writer takes it. */
    private StartUpRemovals startUpRemovals;
    private StartUpMarkers startUpMarkers;

    StreamMutator(StreamStore s, StartUpRemovals startUpRemovals, StartUpMarkers startUpMarkers) {
        this.s = s;
        this.startUpRemovals = startUpRemovals;
        this.startUpMarkers = startUpMarkers;
    }

    /**
     * The subjects whose last message the open found expired with subject delete markers on, in
     * the order the server proposes their markers; the open kept those messages, live. The writer
     * stores a marker for each (nats-server's first age check after a start does), once; a marker
     * the stream refuses leaves its message, as the server's does.
     */
    public List<String> takeStartUpMarkerSubjects() {
        List<String> out = startUpMarkers.subjects();
        startUpMarkers = StartUpMarkers.NONE;
        return out;
    }

    /**
     * For a stream served without a writer: removes, in memory only, the expired messages the open
     * kept for markers that the stream would store ({@link #takeStartUpMarkerSubjects}), so that its
     * reads answer as {@code recover} reports (the server's state after its first age check, but
     * for the markers); those whose marker it would refuse stay, as the server keeps them.
     */
    public void dropStartUpMarkers() throws StoreException, InterruptedException {
        List<Long> seqs = startUpMarkers.wouldStore();
        startUpMarkers = StartUpMarkers.NONE;
        for (long seq : seqs) {
            s.removeOne(seq, StreamStore.RemovalSink.NONE);
        }
    }

    /**
     * The messages recovery removed at the open, by the stream's limits and its start-up interest
     * sweep (when it was asked to keep them, for a writer: {@link StreamStore#removalsForWriter}),
     * once: the writer removes the blocks they emptied and tombstones the rest. They are already
     * out of the state.
     */
    /** Whether the open removed anything the writer has yet to take ({@link #takeStartUpRemovals}). */
    public boolean startUpRemovalsPending() {
        return startUpRemovals.size() > 0 || startUpRemovals.emptiedBlocks() > 0;
    }

    public StartUpRemovals takeStartUpRemovals() {
        StartUpRemovals r = startUpRemovals;
        startUpRemovals = StartUpRemovals.NONE;
        return r;
    }

    public StreamStore store() {
        return s;
    }

    public StreamConfig config() {
        return s.config;
    }

    /**
     * The keystream of block {@code index} from its {@code <n>.key}, empty for a plain block (the
     * writer decrypts the last block it adopts, and encrypts what it appends, with it).
     *
     * @throws StoreException when the key file exists and does not open
     */
    public java.util.Optional<io.jetstart.core.crypto.BlockKeystream> blockKeystream(long index)
            throws StoreException, InterruptedException {
        return s.blockKeystream(index);
    }

    /** Replaces the config (a stream update); limits are applied by the next {@link #applyLimits}. */
    public void useConfig(StreamConfig config) {
        s.config = config;
        if (!config.subjects().isEmpty()) {
            s.tracksSubjects = true;
        }
    }

    public long messages() {
        return s.msgs;
    }

    public long bytes() {
        return s.bytes;
    }

    public long firstSeq() {
        return s.firstSeq;
    }

    public long lastSeq() {
        return s.lastSeq;
    }

    public long lastTs() {
        return s.lastTs;
    }

    public long firstTs() {
        return s.firstTs;
    }

    /**
     * A sequence from which every live message at or after {@code ts} follows: the first sequence
     * of the oldest block whose last message is not older than {@code ts} (blocks are in time order).
     */
    public long seqFromTime(long ts) {
        long from = s.lastSeq + 1;
        for (int i = s.blocks.size() - 1; i >= 0; i--) {
            BlockState b = s.blocks.get(i);
            if (b.msgs > 0 && b.lastTs < ts) {
                break;
            }
            if (b.msgs > 0) {
                from = b.firstSeq;
            }
        }
        return from;
    }

    public Path msgsDir() {
        return s.msgsDir;
    }

    /**
     * The writer appends to the last block as it is (its records all verified, none damaged): from
     * now on the whole file is the block, not the prefix a rebuild found. Without this, once the
     * writer rolled past it, readers read only that prefix and took what the writer had appended
     * there for missing messages (RebuiltTailTest).
     */
    public void appendingToLastBlock() {
        if (!s.blocks.isEmpty()) {
            last().validLength = -1;
        }
    }

    /**
     * The last block ends in damage the writer found (a torn record a full disk or a power loss
     * left): it is left as it is and the writer starts the next block, so it becomes a block before
     * the last that ends in damage ({@link #blockEndingInDamage}).
     */
    public void lastBlockEndsInDamage() {
        if (!s.blocks.isEmpty()) {
            last().endsInDamage = true;
        }
    }

    /**
     * The last block, which ends in damage, holds checksum-verified records past it (the writer's
     * look found them): it is never removed as emptied nor purged whole ({@code BlockState}).
     */
    public void lastBlockHoldsRecordsPastDamage() {
        if (!s.blocks.isEmpty()) {
            last().recordsPastDamage = true;
        }
    }

    /**
     * The writer has just started the last block ({@link #startBlock}) after a block that ends in
     * damage, and found checksum-verified records past that damage up to {@code lastSeq}, which
     * this state (rebuilt up to the damage) does not count: the stream's last moves there, those
     * sequences count as deleted, and the writer lays out a tombstone for it as the new block's
     * first record, so that no later message reuses a sequence the damaged block still holds
     * (a rebuild without {@code index.db} takes the tombstone as the block's start, as for a lost
     * tail).
     *
     * @throws IllegalStateException    when the last block is not a new, empty one
     * @throws IllegalArgumentException when {@code lastSeq} is not beyond the last sequence
     */
    public void keepLastSeqPastDamage(long lastSeq) {
        if (lastSeq <= s.lastSeq) {
            throw new IllegalArgumentException("sequence " + lastSeq + " is not beyond the last sequence " + s.lastSeq);
        }
        BlockState b = s.blocks.isEmpty() ? null : last();
        if (b == null || b.file == null || b.msgs != 0 || b.firstSeq != s.lastSeq + 1) {
            throw new IllegalStateException("stream '" + s.name + "' has no new last block to hold the tombstone of " + lastSeq);
        }
        // recordsFrom stays: the tombstone's own sequence lies in [recordsFrom, lastSeq].
        b.firstSeq = lastSeq + 1;
        b.lastSeq = lastSeq;
        s.lastSeq = lastSeq;
        if (s.msgs == 0) {
            s.firstSeq = lastSeq + 1;
            s.firstTs = 0;
        }
        s.touched.add(b);
    }

    /** The index of the first block of the stream whose file ends in damage, or -1 when none does. */
    public long blockEndingInDamage() {
        for (BlockState b : s.blocks) {
            if (b.endsInDamage) {
                return b.index;
            }
        }
        return -1;
    }

    /** Index of the last block, 0 when the stream has none. */
    public long lastBlockIndex() {
        return s.blocks.isEmpty() ? 0 : last().index;
    }

    /**
     * The last block's file, or null when there is none or the last block is only the marker of a
     * last sequence that no block holds any more (the writer must then start that block).
     */
    public Path lastBlockFile() {
        return s.blocks.isEmpty() ? null : last().file;
    }

    /** Lets reads of {@code tail}'s block come from the writer's memory instead of the file. */
    public void readTailFrom(StreamStore.TailSource tail) {
        s.tail = tail;
    }

    /**
     * Starts block {@code index} as the new, empty last block. A marker block (no file: the last
     * sequence of a lost tail) is replaced by it.
     */
    public void startBlock(long index) {
        if (!s.blocks.isEmpty()) {
            BlockState l = last();
            if (index < l.index || (index == l.index && l.file != null)) {
                throw new IllegalArgumentException("block " + index + " does not follow the last block " + l.index);
            }
            if (l.file == null) {
                s.blocks.remove(s.blocks.size() - 1);
            }
        }
        BlockState b = new BlockState(index, BlockFiles.blockPath(s.msgsDir, index));
        b.firstSeq = s.lastSeq + 1;
        b.recordsFrom = s.lastSeq + 1;
        // Counted as it is written (ttlAppended), from empty.
        b.ttlsCounted = true;
        b.lastSeq = s.lastSeq;
        b.lastTs = s.lastTs;
        s.blocks.add(b);
        s.touched.add(b);
    }

    /**
     * The message just {@link #appended} carries a positive {@code Nats-TTL}: counted into its
     * block's {@code ttls}, which {@code index.db} v2+ carries. nats-server 2.11+ counts it so in
     * {@code storeRawMsg} and, starting without {@code msgs/thw.db}, scans for TTL messages only the
     * blocks whose count is not 0: a block counted 0 would keep its TTL messages for ever.
     */
    public void ttlAppended() {
        last().ttls++;
    }

    /** A message record of {@code rawLength} bytes with the next sequence was laid out in the last block. */
    public void appended(long seq, long ts, String subject, int rawLength) {
        if (seq != s.lastSeq + 1) {
            throw new IllegalArgumentException("sequence " + seq + " does not follow the last sequence " + s.lastSeq);
        }
        BlockState b = last();
        if (b.msgs == 0) {
            b.firstSeq = seq;
            b.firstTs = ts;
            s.touched.add(b);
        }
        b.lastSeq = seq;
        b.lastTs = ts;
        b.msgs++;
        b.bytes += rawLength;
        if (s.msgs == 0) {
            s.firstSeq = seq;
            s.firstTs = ts;
        }
        s.msgs++;
        s.bytes += rawLength;
        s.lastSeq = seq;
        s.lastTs = ts;
        if (s.tracksSubjects && !subject.isEmpty()) {
            SubjectTotals t = s.psim.get(subject);
            if (t == null) {
                s.psim.put(subject, new SubjectTotals(1, b.index, b.index));
            } else {
                t.total++;
                t.lastBlock = b.index;
            }
        }
    }

    /**
     * Moves the last sequence of a stream that holds no message up to {@code lastSeq}, so that the
     * next message gets {@code lastSeq + 1}: nats-server's purge up to a sequence beyond the last
     * ({@code Compact(seq)} → {@code purgeLocked(seq)}: first {@code seq}, last {@code seq - 1}).
     *
     * <p>The writer has started the last block ({@link #startBlock}) and laid out a tombstone for
     * {@code lastSeq} with the stream's last time as its only record, which is what the server leaves
     * on disk: a rebuild without {@code index.db} (jetstart's, 2.10's, 2.15's) takes a block holding
     * only that tombstone to start at {@code lastSeq + 1}, so the move survives the loss of
     * {@code index.db}. (Alone, because 2.10.x starts a block of tombstones only from its lowest.)
     *
     * @throws IllegalStateException    when the stream holds messages or its last block is not empty
     * @throws IllegalArgumentException when {@code lastSeq} is not beyond the last sequence
     */
    public void skipTo(long lastSeq) {
        if (s.msgs != 0) {
            throw new IllegalStateException("stream '" + s.name + "' holds " + s.msgs + " messages; only an empty stream moves");
        }
        if (lastSeq <= s.lastSeq) {
            throw new IllegalArgumentException("sequence " + lastSeq + " is not beyond the last sequence " + s.lastSeq);
        }
        BlockState b = s.blocks.isEmpty() ? null : last();
        if (b == null || b.file == null || b.msgs != 0 || b.firstSeq != s.lastSeq + 1) {
            throw new IllegalStateException("stream '" + s.name + "' has no empty last block to hold the tombstone of " + lastSeq);
        }
        b.firstSeq = lastSeq + 1;
        b.firstTs = 0;
        b.lastSeq = lastSeq;
        b.lastTs = s.lastTs;
        s.firstSeq = lastSeq + 1;
        s.firstTs = 0;
        s.lastSeq = lastSeq;
        s.touched.add(b);
    }

    /**
     * The end of a purge of the whole stream (no subject, keep or sequence), its messages removed:
     * the stream reports first {@code last + 1}, as nats-server's {@code purge} sets it whatever it
     * removed. Only a stream that never held a message changes here (first 0 to first 1, last 0;
     * 2.10.27 and 2.15.1 alike); any other empty stream is there already. Nothing is written: the
     * servers keep first 1 through their {@code index.db} only, and rebuilt without it report first
     * 0 again, as a reopen here does.
     *
     * @throws IllegalStateException when the stream still holds messages
     */
    public void purgedAll() {
        if (s.msgs != 0) {
            throw new IllegalStateException("stream '" + s.name + "' holds " + s.msgs + " messages after a purge of all");
        }
        s.firstSeq = s.lastSeq + 1;
        s.firstTs = 0;
    }

    /** Removes what {@code rule} selects, in sequence order; {@code sink} hears of each removal. */
    public long remove(StreamStore.RemovalRule rule, StreamStore.RemovalSink sink) throws StoreException, InterruptedException {
        return s.removeMessages(List.copyOf(s.blocks), rule, sink);
    }

    /**
     * {@link #remove} with a rule that sees each message's headers: one read of each block both
     * decides and removes (the age check of a TTL stream keeps {@code Nats-TTL: never}).
     */
    public long removeByHeaders(StreamStore.HeaderRemovalRule rule, StreamStore.RemovalSink sink) throws StoreException, InterruptedException {
        return s.removeMessagesByHeaders(List.copyOf(s.blocks), rule, sink);
    }

    /** Removes message {@code seq} if it is live; false when it is not. */
    public boolean removeOne(long seq, StreamStore.RemovalSink sink) throws StoreException, InterruptedException {
        return s.removeOne(seq, sink);
    }

    /**
     * Lets single removals find a sealed block's record through {@code source}'s record index (the
     * runtime's block cache) instead of walking the block; the tail block is found in the writer's
     * memory either way. Blocks {@link #forgetFrontBlocks} drops are forgotten by it too.
     */
    public void findRecordsThrough(BlockSource source) {
        s.finder.readSealedThrough(source);
        this.sealedSource = source;
    }

    /**
     * The indexes of the stream's first blocks that hold no live message and whose files may go,
     * ascending: from the first block on, up to the first that holds a live message, never the last
     * block (the writer's tail), and never a block from the one that holds the record of the last
     * sequence on while the stream is empty (once every earlier block is gone, its record is what
     * tells a rebuild without {@code index.db} the last sequence; the tail may hold only tombstones
     * of lower sequences, or nothing) unless {@code tailHoldsLastSeq}.
     *
     * <p>Only from the front: a tombstone names a sequence at or below its block's last, so a block
     * before which every block is gone holds tombstones of gone blocks only, and the tombstones of
     * its own messages are in blocks that stay. An emptied block in the middle is kept: its
     * tombstones may be all that removes messages of an earlier block that is still there.
     */
    public long[] emptyFrontBlocks(boolean tailHoldsLastSeq) {
        int n = 0;
        int size = s.blocks.size();
        while (n < size - 1) {
            BlockState b = s.blocks.get(n);
            if (b.msgs != 0 || b.file == null || b.recordsPastDamage || (s.msgs == 0 && !tailHoldsLastSeq && b.lastSeq >= s.lastSeq)) {
                break;
            }
            n++;
        }
        if (n == 0) {
            return NO_BLOCKS;
        }
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.blocks.get(i).index;
        }
        return out;
    }

    private static final long[] NO_BLOCKS = new long[0];

    /**
     * A block as {@link #blocks} lists it: index, live messages, first and last sequence, and the
     * lowest sequence a record of its file can have ({@code recordsFrom}: its records, message or
     * not, lie in [recordsFrom, lastSeq]; the writer knows it exactly for the blocks it started,
     * for the others it is the last of the block before + 1, or 0 for the first), and the bytes of
     * its live message records.
     */
    public record BlockSpan(long index, long messages, long firstSeq, long lastSeq, long recordsFrom, long bytes,
                            boolean recordsPastDamage) {
    }

    /** The stream's blocks, in index order (the last is the writer's tail). */
    public List<BlockSpan> blocks() {
        List<BlockSpan> out = new ArrayList<>(s.blocks.size());
        long previousLast = -1;
        for (BlockState b : s.blocks) {
            long from = b.recordsFrom >= 0 ? b.recordsFrom : previousLast + 1;
            out.add(new BlockSpan(b.index, b.msgs, b.firstSeq, b.lastSeq, from, b.bytes, b.recordsPastDamage));
            previousLast = b.lastSeq;
        }
        return out;
    }

    /**
     * How many blocks other than the first and the last hold no live message (candidates for the
     * writer's removal of emptied middle blocks); no allocation, for each batch.
     */
    public int emptiedMiddleBlocks() {
        int n = 0;
        for (int i = 1; i < s.blocks.size() - 1; i++) {
            BlockState b = s.blocks.get(i);
            if (b.msgs == 0 && b.file != null && !b.recordsPastDamage) {
                n++;
            }
        }
        return n;
    }

    /**
     * Tells {@code sink} of each message record of block {@code index} that is not live (seq,
     * timestamp, subject, raw length), in file order: the writer tombstones them when a block the
     * start-up removals emptied stays, and reads the timestamps of the start-up removals of a block
     * that keeps a live message from them ({@link StartUpRemovals}). Nothing when the stream has no such block.
     */
    public void deadMessagesOf(long index, StreamStore.RemovalSink sink) throws StoreException, InterruptedException {
        for (BlockState b : s.blocks) {
            if (b.index == index) {
                s.readBlock(b, (seq, ts, buf, so, sl, ho, hl, po, pl, rl) -> {
                    if (!b.isLive(seq)) {
                        sink.removed(seq, ts, StreamStore.subjectOf(buf, so, sl), rl);
                    }
                });
                return;
            }
        }
    }

    /**
     * Whether the stream was opened from an {@code index.db} that leaves out block files below its
     * first block: files the writer removes ({@code index.db} omits them, so no reader but a rebuild
     * reads them). Their messages may have no tombstone (the open's limits removed them, and a kill
     * came between the {@code index.db} naming them empty and their removal), so a rebuild after a
     * limit was raised would bring them back: the writer removes them before its first operation.
     */
    public boolean blockFilesBelowFirst() {
        return s.blockFilesBelowFirst;
    }

    /** How many blocks the stream has, the tail included. */
    public int blockCount() {
        return s.blocks.size();
    }

    /**
     * The tombstones of block file {@code index} (read whole; the tail from the writer's memory),
     * null when it cannot be read or a record does not parse.
     */
    public BlockTombstones tombstonesOf(long index) throws InterruptedException {
        return s.tombstonesOf(index);
    }

    /**
     * {@link RebuildFloor} of block file {@code index}, held by the stream or not (read whole; the
     * tail from the writer's memory); {@link RebuildFloor#UNKNOWN} when it cannot be read.
     */
    public long rebuildFloor(long index) throws InterruptedException {
        return s.rebuildFloor(index);
    }

    /** The index of the first block, 0 when the stream has none. */
    public long firstBlockIndex() {
        return s.blocks.isEmpty() ? 0 : s.blocks.get(0).index;
    }

    /** Whether block {@code index} is one of the stream's blocks (they are in index order). */
    public boolean hasBlock(long index) {
        int lo = 0;
        int hi = s.blocks.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long at = s.blocks.get(mid).index;
            if (at == index) {
                return true;
            }
            if (at < index) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return false;
    }

    /**
     * Drops the first {@code count} blocks, which {@link #emptyFrontBlocks} named and whose files the
     * writer removed: nothing else changes (they held no live message, so totals, sequences and
     * subjects stay), and the next {@link #view} and {@link #indexDb} leave them out.
     *
     * @throws IllegalArgumentException when one of them holds a live message or is the last block
     */
    public void forgetFrontBlocks(int count) {
        if (count < 0 || count >= s.blocks.size()) {
            throw new IllegalArgumentException("cannot drop " + count + " of " + s.blocks.size() + " blocks: the last one stays");
        }
        for (int i = 0; i < count; i++) {
            BlockState b = s.blocks.get(i);
            if (b.msgs != 0) {
                throw new IllegalArgumentException(b + " holds live messages");
            }
        }
        for (int i = 0; i < count; i++) {
            BlockState b = s.blocks.remove(0);
            s.touched.remove(b);
            published.remove(b);
            if (sealedSource != null) {
                sealedSource.forget(b.file);
            }
        }
    }

    /**
     * Drops blocks {@code indexes} (ascending) from anywhere but the end, which the writer emptied
     * and whose files it removed: as {@link #forgetFrontBlocks}, nothing else changes, and readers
     * of later views step over the gap (no block holds a sequence in it, none of them live).
     *
     * @throws IllegalArgumentException when one of them is not a block, holds a live message or is
     *                                  the last block
     */
    public void forgetBlocks(long[] indexes) {
        java.util.Set<BlockState> drop = new java.util.HashSet<>();
        for (long index : indexes) {
            BlockState b = null;
            for (int i = 0; i < s.blocks.size() - 1; i++) {
                if (s.blocks.get(i).index == index) {
                    b = s.blocks.get(i);
                    break;
                }
            }
            if (b == null) {
                throw new IllegalArgumentException("block " + index + " is not a block before the last of stream '" + s.name + "'");
            }
            if (b.msgs != 0) {
                throw new IllegalArgumentException(b + " holds live messages");
            }
            drop.add(b);
        }
        s.blocks.removeAll(drop);
        for (BlockState b : drop) {
            s.touched.remove(b);
            published.remove(b);
            if (sealedSource != null) {
                sealedSource.forget(b.file);
            }
        }
    }

    /**
     * A sealed block's content read whole from its file for a rewrite: the plaintext (decrypted,
     * then decompressed, as the server loads a block) and whether the file was compressed.
     *
     * @param fileLength the file's length as read
     */
    public record SealedContent(byte[] plaintext, boolean compressed, long fileLength) {
    }

    /**
     * The content of block {@code index}, one of the stream's blocks before the last, read whole from
     * its file; null when it is not such a block, its state came from a rebuild that found damage in
     * it (readers read only its valid prefix), it ends in damage the writer found, or its file cannot
     * be read, decrypted or decoded.
     */
    public SealedContent readSealed(long index) throws InterruptedException {
        BlockState b = sealed(index);
        // A block ending in damage is never rewritten: only its valid prefix would be kept.
        if (b == null || b.validLength >= 0 || b.endsInDamage) {
            return null;
        }
        io.jetstart.core.io.BlockBuffers.Lease[] lease = new io.jetstart.core.io.BlockBuffers.Lease[1];
        try {
            int raw = BlockFiles.readRaw(b.file, s.ctx.buffers(), lease, s.ctx.gate());
            s.decryptBlock(b.index, lease[0].array(), raw);
            BlockFiles.BlockRead read = BlockFiles.decompress(b.file, lease[0], raw);
            return new SealedContent(java.util.Arrays.copyOf(lease[0].array(), read.length()), read.decompressed(), raw);
        } catch (java.io.IOException | StoreException e) {
            return null;
        } finally {
            if (lease[0] != null) {
                lease[0].close();
            }
        }
    }

    /**
     * Block {@code index}'s file was replaced by one that holds the same live message records
     * (byte for byte) and fewer others (the writer's compaction): nothing in the state changes
     * (its first, last, deleted map and bytes stay), only what the block cache kept of the old file
     * goes, so that later reads and single removals find the records at their new offsets.
     */
    public void rewritten(long index) {
        BlockState b = sealed(index);
        if (b == null) {
            throw new IllegalArgumentException("block " + index + " is not a block before the last of stream '" + s.name + "'");
        }
        if (sealedSource != null) {
            sealedSource.forget(b.file);
        }
    }

    private BlockState sealed(long index) {
        for (int i = 0; i < s.blocks.size() - 1; i++) {
            BlockState b = s.blocks.get(i);
            if (b.index == index) {
                return b.file == null ? null : b;
            }
        }
        return null;
    }

    /** Applies max_msgs, max_bytes (discard old), max_age and max_msgs_per_subject, as recovery does. */
    public void applyLimits(StreamStore.RemovalSink sink) throws StoreException, InterruptedException {
        RetentionLimits.apply(s, sink, false);
    }

    /**
     * The limits after messages were stored, in nats-server's storeRawMsg order: each subject's
     * {@code max_msgs_per_subject} first, then {@code max_msgs} and {@code max_bytes} (a message that
     * replaces its subject's oldest leaves a stream at its limit within it: nothing else goes).
     */
    public void applyLimitsAfterStore(StreamStore.RemovalSink sink) throws StoreException, InterruptedException {
        RetentionLimits.apply(s, sink, false, true);
    }

    public boolean isLive(long seq) {
        return s.isLive(seq);
    }

    /** The index of the block that holds live message {@code seq}, 0 when it is not live (secure erase finds its record there). */
    public long blockIndexOf(long seq) {
        BlockState b = s.blockFor(seq);
        return b == null || !b.isLive(seq) ? 0 : b.index;
    }

    /** Live messages on {@code subject} (0 when the stream does not track subjects). */
    public long subjectTotal(String subject) {
        SubjectTotals t = s.psim.get(subject);
        return t == null ? 0 : t.total;
    }

    /**
     * The sequence of the last live message on {@code subject}, 0 when there is none: the blocks
     * from the subject's last block back are read until one holds it. Not only down to the subject's
     * first block: a subject left with one message has its first block set to its last (as
     * nats-server's {@code removePerSubject}), also when the removed message was the later one and
     * the one left lies in an earlier block (model-steps/subject-last-in-earlier-block.steps).
     */
    public long lastSeqOf(String subject) throws StoreException, InterruptedException {
        SubjectTotals t = s.psim.get(subject);
        if (t == null || t.total <= 0) {
            return 0;
        }
        for (int i = s.blocks.size() - 1; i >= 0; i--) {
            BlockState b = s.blocks.get(i);
            if (b.index > t.lastBlock || b.msgs == 0) {
                continue;
            }
            long[] found = {0};
            s.readBlock(b, (seq, ts, buf, so, sl, ho, hl, po, pl, rl) -> {
                if (b.isLive(seq) && seq > found[0] && sl == subject.length()
                        && subject.equals(new String(buf, so, sl, java.nio.charset.StandardCharsets.UTF_8))) {
                    found[0] = seq;
                }
            });
            if (found[0] > 0) {
                return found[0];
            }
        }
        return 0;
    }

    /**
     * The record length of the first live message on {@code subject} (nats-server's
     * {@code sizeForSeq(firstSeqForSubj)}), 0 when there is none: blocks are read from the
     * subject's first block on until one holds it, then, when none does, from the stream's first
     * block (the first block of a subject left with one message can be later than that message,
     * {@link #lastSeqOf}).
     */
    public long firstRecordLengthOf(String subject) throws StoreException, InterruptedException {
        SubjectTotals t = s.psim.get(subject);
        if (t == null || t.total <= 0) {
            return 0;
        }
        long found = firstRecordLengthOf(subject, t.firstBlock);
        return found > 0 || t.firstBlock <= 0 ? found : firstRecordLengthOf(subject, 0);
    }

    private long firstRecordLengthOf(String subject, long fromBlock) throws StoreException, InterruptedException {
        for (BlockState b : List.copyOf(s.blocks)) {
            if (b.index < fromBlock || b.msgs == 0) {
                continue;
            }
            long[] found = {0};
            s.readBlock(b, (seq, ts, buf, so, sl, ho, hl, po, pl, rl) -> {
                if (found[0] == 0 && b.isLive(seq) && sl == subject.length()
                        && subject.equals(new String(buf, so, sl, java.nio.charset.StandardCharsets.UTF_8))) {
                    found[0] = rl;
                }
            });
            if (found[0] > 0) {
                return found[0];
            }
        }
        return 0;
    }

    /** Visits live messages from {@code fromSeq} in sequence order (the writer's own reads). */
    public void forEachLive(long fromSeq, StreamStore.LiveMessageVisitor visitor) throws StoreException, InterruptedException {
        s.forEachLive(fromSeq, visitor);
    }

    /**
     * Visits, in sequence order, the live messages of the blocks that may hold one with a
     * {@code Nats-TTL}: every block but those whose count of TTL messages is known to be 0 (its
     * {@code index.db} v2+ entry, a scan, or the writer's own count). The writer's time wheel is
     * rebuilt from these, as nats-server 2.11+ rebuilds its own: a TTL message in a block counted 0
     * is never timed by the server either (docs/format-notes.md, "Per-message TTL").
     */
    public void forEachLiveMayHoldTtl(StreamStore.LiveMessageVisitor visitor) throws StoreException, InterruptedException {
        s.forEachLiveMayHoldTtl(visitor);
    }

    /** The state nats-server reports, from the writer's thread. */
    public StreamState state() {
        return s.state();
    }

    /**
     * The {@code index.db} content for the blocks as they are on disk now.
     *
     * @param lastChecksum the last 8 bytes of the last block's file (zeros when it is empty)
     */
    public IndexDb indexDb(int version, byte[] lastChecksum) {
        List<IndexDb.Subject> subjects = new ArrayList<>(s.psim.size());
        if (s.tracksSubjects) {
            // A subject's blocks are hints a reader starts from; one that went with the first blocks
            // is named as the first block there is (its messages are all in the blocks that stay).
            // A removed middle block is named as the next block there is (first) or the one before
            // (last): nats-server looks a subject's last block up and finds nothing for one gone.
            long[] held = new long[Math.max(1, s.blocks.size())];
            for (int i = 0; i < held.length; i++) {
                held[i] = s.blocks.get(i).index;
            }
            s.psim.forEach((k, v) -> {
                if (v.total > 0) {
                    subjects.add(new IndexDb.Subject(k, v.total, heldAtOrAfter(held, v.firstBlock), heldAtOrBefore(held, v.lastBlock)));
                }
            });
        }
        List<IndexDb.Block> blocks = new ArrayList<>(s.blocks.size());
        for (BlockState b : s.blocks) {
            if (b.file == null) {
                throw new IllegalStateException("block " + b.index + " has no file yet; start it before writing index.db");
            }
            blocks.add(new IndexDb.Block(b.index, b.bytes, b.firstSeq, b.firstTs, b.lastSeq, b.lastTs, b.ttls, b.schedules,
                    b.deleted));
        }
        return new IndexDb(version, s.msgs, s.bytes, s.firstSeq, s.firstTs, s.lastSeq, s.lastTs, subjects, blocks,
                lastBlockIndex(), lastChecksum);
    }

    /**
     * A view for readers: blocks no removal touched since the last call keep their published
     * view (and its deleted map); the others are copied now.
     *
     * @param committedLength bytes of block {@code index} readers may parse, -1 for the whole file
     */
    public StreamView view(LongUnaryOperator committedLength) {
        List<StreamView.Block> out = new ArrayList<>(s.blocks.size());
        for (BlockState b : s.blocks) {
            StreamView.Block prev = published.get(b);
            long length = committedLength.applyAsLong(b.index);
            if (length < 0) {
                // A block rebuilt with damage after its valid prefix: readers read only that prefix.
                length = b.validLength;
            }
            StreamView.Block v;
            if (prev != null && !s.touched.contains(b)) {
                // Appends move only the last sequence, count and length; the deleted map is shared.
                v = new StreamView.Block(b.index, b.file, b.firstSeq, b.lastSeq, b.msgs, prev.deleted(), length, b.readBySlot);
            } else {
                SequenceSet copy = b.deleted.copy();
                v = new StreamView.Block(b.index, b.file, b.firstSeq, b.lastSeq, b.msgs, copy, length, b.readBySlot);
            }
            out.add(v);
        }
        published.clear();
        for (int i = 0; i < out.size(); i++) {
            published.put(s.blocks.get(i), out.get(i));
        }
        s.touched.clear();
        return new StreamView(s.account, s.name, s.msgs, s.bytes, s.firstSeq, s.firstTs, s.lastSeq, s.lastTs,
                s.tracksSubjects ? s.psim.size() : 0, out);
    }

    /** The first of {@code held} (ascending, not empty) at or after {@code index}, else the last. */
    private static long heldAtOrAfter(long[] held, long index) {
        int i = java.util.Arrays.binarySearch(held, index);
        int at = i >= 0 ? i : -i - 1;
        return held[Math.min(at, held.length - 1)];
    }

    /** The last of {@code held} (ascending, not empty) at or before {@code index}, else the first. */
    private static long heldAtOrBefore(long[] held, long index) {
        int i = java.util.Arrays.binarySearch(held, index);
        int at = i >= 0 ? i : -i - 2;
        return held[Math.max(at, 0)];
    }

    private BlockState last() {
        return s.blocks.get(s.blocks.size() - 1);
    }
}
